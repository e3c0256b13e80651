/**
 * The fault campaign: a mix of modelship pipelines run at once against the emulator with faults on
 * (throttling, 5xx including lost responses, latency, slow and failing transitions), while the worker
 * process is SIGKILLed at random moments and the Temporal dev server is restarted on its SQLite file.
 * Afterwards every workflow must have reached the outcome its scenario expects, and the emulator's whole
 * state must be exactly the expected final state: nothing orphaned, nothing created twice, autoscaled
 * variants with exactly the scaling they had before (scheduled actions and alarm links included), the
 * look-alike resources modelship does not own untouched, and no variant ever above its capacity.
 *
 * Used by test/workflows/fault-campaign.test.ts (CI size) and bench/fault-campaign.ts (any size).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PutScalingPolicyCommand, RegisterScalableTargetCommand } from '@aws-sdk/client-application-auto-scaling';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  ListTagsCommand,
} from '@aws-sdk/client-sagemaker';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { tsToMs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { createAwsClients, destroyAwsClients, type AwsClients } from '../../src/aws';
import { freePort, startDevServer, type DevServer } from '../../src/dev-server';
import type { CanaryInput } from '../../src/domain/canary/input';
import type { DeleteInput } from '../../src/domain/delete/input';
import type { DeployInput } from '../../src/domain/deploy/input';
import { modelUseTags } from '../../src/domain/cleanup';
import { endpointConfigName, endpointWorkflowId, modelName } from '../../src/domain/names';
import { withOwnershipTags } from '../../src/domain/ownership';
import type { UpdateInput } from '../../src/domain/update/input';
import { startEmulator, type Emulator } from '../../src/emulator';
import type { ScalingStep } from '../../src/emulator/autoscaling-simulation';
import type { VariantLoad } from '../../src/emulator/capacity';
import type { FaultRule } from '../../src/emulator/faults';
import type { StateSnapshot } from '../../src/emulator/state';
import { image, modelData, ROLE } from './fixtures';
import { decorateScaling, scalingAfterDelete, scalingOf, type VariantScaling } from './scaling';
import { workflowBundle } from './temporal';

export const SCENARIO_KINDS = [
  'deploy-ok',
  'deploy-unhealthy-new',
  'deploy-unhealthy-update',
  'deploy-endpoint-taken',
  'deploy-model-taken',
  'canary-ok',
  'canary-unhealthy',
  'update-autoscaled',
  'update-rolled-back',
  'delete-autoscaled',
] as const;
export type ScenarioKind = (typeof SCENARIO_KINDS)[number];

export interface CampaignOptions {
  /** Pipelines in all, spread over the scenario kinds in turn. */
  pipelines: number;
  /** Worker SIGKILLs at random moments. @default 3 */
  kills?: number;
  /** Dev server restarts (same port, same SQLite file). @default 1 */
  serverRestarts?: number;
  /** Seed of every random choice the campaign makes (kill times, fault rolls). @default time-based */
  seed?: number;
  /** Share of AWS calls answered ThrottlingException. @default 0.2 */
  throttleRate?: number;
  /** Share of AWS calls answered with a 5xx; a third of them after applying the call. @default 0.05 */
  serverErrorRate?: number;
  /** Latency added to a third of the calls, ms (plus up to as much jitter). @default 25 */
  latencyMs?: number;
  /** Window (ms after the pipelines start) in which the kills and the restart happen. @default 25000 */
  chaosWindowMs?: number;
  /** Give up waiting for the workflows after this long. @default 10 min */
  timeoutMs?: number;
  /** Path of the Temporal CLI. */
  cliPath: string;
  /** Progress lines. @default none */
  log?: (line: string) => void;
}

export interface Outcome {
  status: 'completed' | 'failed';
  type?: string;
  message?: string;
  /** Expected only: text the failure message must contain (e.g. what it found). */
  messageMatches?: string;
}

export interface PipelineReport {
  kind: ScenarioKind;
  endpoint: string;
  expected: Outcome;
  actual: Outcome;
  ok: boolean;
  durationMs: number;
}

/** One pipeline running when the worker was SIGKILLed, and how long it took to make its next step on the new worker. */
export interface PipelineRecovery {
  kind: ScenarioKind;
  endpoint: string;
  /** Seconds from the kill (or from when its timer fired, see `timerDueSeconds`) to its next step; undefined if it never made one. */
  seconds?: number;
  /** The history event that counted as the next step (e.g. `ACTIVITY_TASK_COMPLETED`, `MARKER_RECORDED`). */
  nextStep?: string;
  /** It was only waiting on a timer at the kill: seconds after the kill the timer fired (recovery is measured from then). */
  timerDueSeconds?: number;
  /** The Temporal server was restarted between the kill and the next step (its downtime is in the figure). */
  serverRestartBetween: boolean;
}

/** One worker SIGKILL of the chaos loop. */
export interface KillRecovery {
  /** Seconds after the pipelines started. */
  atSeconds: number;
  /** Seconds from the SIGKILL until the new worker process polled. */
  workerReadySeconds: number;
  /** The pipelines running at the kill (started, not closed). */
  affected: PipelineRecovery[];
  medianSeconds?: number;
  maxSeconds?: number;
}

export interface CampaignReport {
  seed: number;
  pipelines: PipelineReport[];
  kills: number;
  serverRestarts: number;
  workerExitsUnplanned: number;
  faults: Record<string, number>;
  /** AWS calls answered with an error, per error code. */
  errors: Record<string, number>;
  calls: number;
  /** Workflows whose outcome differs from the expected one. */
  wrongOutcomes: string[];
  /** Resources present but not expected (orphans) or expected but missing, and wrong contents. */
  leaks: string[];
  /** Creates that took effect more than once for the same resource. */
  duplicates: string[];
  /** Autoscaled variants whose targets, policies, scheduled actions or alarm links differ from before. */
  scalingDiffs: string[];
  /** Resources modelship does not own (hand-made, another actor's) that were deleted or changed. */
  lookalikeChanges: string[];
  /** Variants whose peak load per instance exceeded their capacity, or traffic that reached no variant. */
  overCapacity: string[];
  /** Every variant's peak load, as the emulator recorded it. */
  peakLoads: VariantLoad[];
  /** The steps the emulator's target-tracking simulation took (scale-outs on the canaries' endpoints mid-rollout). */
  scalingSteps: ScalingStep[];
  /** Canary rollouts on autoscaled endpoints during which no variant of the endpoint scaled out (the simulation never acted mid-rollout). */
  canariesWithoutScaleOut: string[];
  /** Per canary: when its variant first scaled out and when the rollout closed, from its start. */
  canaryScaleOuts: string[];
  /** Per worker SIGKILL: the pipelines it caught mid-run and the seconds until each made its next step on the new worker. */
  killRecoveries: KillRecovery[];
  /** Over every affected pipeline of every kill. */
  recoveryMedianSeconds?: number;
  recoveryMaxSeconds?: number;
  /** `<endpoint> after kill <n>`: running at a kill and never made a step afterwards (cannot happen if it closed). */
  noStepAfterKill: string[];
  durationMs: number;
}

const INSTANCE = 'ml.m5.large';
/**
 * Capacity per instance in the campaign: the 40 req/s of background traffic on a 2-instance variant is
 * 20 per instance of the 35 an ml.m5.large serves; on half the instances it would be 40, above it. The
 * margin covers random routing (a 50 % canary on 1 instance peaked at up to 27.5 over a 2 s window).
 * ml.c5.xlarge has twice the vCPUs.
 */
const CAPACITY_RPS = { [INSTANCE]: 35, 'ml.c5.xlarge': 70 };
const TRAFFIC_RPS = 40;
/**
 * Target tracking on invocations per instance per minute. The emulator simulates it (from the last 2 s of
 * metrics): the canaries' 900 is below the 1200 a minute (20 req/s) each instance gets, so their canary
 * variant, which starts on 1 instance, scales out mid-rollout; the other endpoints' 3000 is above it, so
 * they never scale out (and scale-in is suspended).
 */
const CANARY_TARGET_PER_MINUTE = 900;
const QUIET_TARGET_PER_MINUTE = 3000;
/** The tags of what the campaign's "other actors" and operators make by hand: none of modelship's. */
const LOOKALIKE_TAGS = [
  { Key: 'team', Value: 'churn' },
  { Key: 'created-by', Value: 'hand' },
];
const FAST_POLL = { min: '200ms', max: '1s' };
const NS = 'sagemaker';
const DIM = 'sagemaker:variant:DesiredInstanceCount';
export { image };

/** mulberry32: small, seedable, good enough to pick kill times and roll faults reproducibly. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ------------------------------------------------------------------------------------------ scenarios

interface Scenario {
  kind: ScenarioKind;
  endpoint: string;
  group: string;
  workflowType: string;
  input: unknown;
  expected: Outcome;
  /** Fault rules for this scenario's endpoint only (slow or failing transitions). */
  faults: FaultRule[];
  /** Behaviours of this scenario's images. */
  behaviours: Record<string, { healthy?: boolean; failureReason?: string; errorRate?: number }>;
  /** Background traffic (canaries need metrics; the capacity check needs load). */
  trafficRps?: number;
  /** Creates what the pipeline starts from (no faults active). */
  setup(aws: AwsClients, emulator: Emulator): Promise<void>;
  /** What this scenario leaves behind. */
  expect(actual: StateSnapshot): Expectation;
  /** Scaling of the endpoint's variants before the run (for autoscaled endpoints). */
  scalingBefore?: VariantScaling;
  /** Resources another actor creates mid-run under the names this pipeline uses (actorCreate faults), as they must stay. */
  actorMade?: ActorMade[];
}

/** What another actor created (fault `actorCreate`) under a name a pipeline was about to use: exactly this, afterwards. */
interface ActorMade {
  kind: 'model' | 'endpoint';
  name: string;
  /** The endpoint's config, InService on it. */
  config?: string;
  /** The model's container. */
  container?: { Image: string; ModelDataUrl: string };
}

/** What one scenario must leave in the emulator: exact names, plus content checks. */
interface Expectation {
  models: string[];
  configs: string[];
  endpoints: Array<{ name: string; config: string; variants: Array<{ name: string; model: string; instanceType?: string }> }>;
  /** `<group>/<version>` → approval, stage, stage status. */
  packages: Record<string, [string | undefined, string | undefined, string | undefined]>;
  groups: string[];
  /** Problems found in the contents (a config serving the wrong model, …). */
  problems: string[];
}

function makeScenario(kind: ScenarioKind, index: number, prefix: string): Scenario {
  const endpoint = `${prefix}-${index}-${kind.replace(/[^a-z]/g, '').slice(0, 12)}`;
  const group = `${endpoint}-m`;
  const v1Model = modelName(group, 1);
  const v2Model = modelName(group, 2);
  const v1Config = `${endpoint}-v1`;
  const base = { kind, endpoint, group, faults: [] as FaultRule[], behaviours: {}, setup: async () => undefined };
  const deployInput = (tag: string): DeployInput => ({
    endpointName: endpoint,
    model: { name: group, image: image(group, tag), modelDataUrl: modelData(group, tag) },
    executionRoleArn: ROLE,
    instanceType: INSTANCE,
    autoApprove: true,
    poll: FAST_POLL,
  });
  const onV1 = (problems: string[] = []): Expectation => ({
    models: [v1Model],
    configs: [v1Config],
    endpoints: [{ name: endpoint, config: v1Config, variants: [{ name: 'AllTraffic', model: v1Model, instanceType: INSTANCE }] }],
    packages: { [`${group}/1`]: ['Approved', 'Production', 'Deployed'] },
    groups: [group],
    problems,
  });

  switch (kind) {
    case 'deploy-ok': {
      const spec = [{ variantName: 'AllTraffic', modelName: v1Model, instanceType: INSTANCE, instanceCount: 1, weight: 1 }];
      const config = endpointConfigName(endpoint, 'v1', spec);
      return {
        ...base,
        workflowType: 'deployModel',
        input: deployInput('v1'),
        expected: { status: 'completed' },
        faults: [{ kind: 'slowTransitions', factor: 6, transitions: ['create'], endpoints: [endpoint] }],
        expect: () => ({
          models: [v1Model],
          configs: [config],
          endpoints: [{ name: endpoint, config, variants: [{ name: 'AllTraffic', model: v1Model, instanceType: INSTANCE }] }],
          packages: { [`${group}/1`]: ['Approved', 'Production', 'Deployed'] },
          groups: [group],
          problems: [],
        }),
      };
    }
    case 'deploy-endpoint-taken': {
      // After the deploy's first look (no endpoint) and just before its CreateEndpoint is served, another
      // actor creates that very endpoint on its own hand-made config (`<endpoint>-manual`, see createLookalikes).
      const theirs = `${endpoint}-manual`;
      return {
        ...base,
        workflowType: 'deployModel',
        input: deployInput('v1'),
        expected: {
          status: 'failed',
          type: 'DeploymentFailed',
          messageMatches: `endpoint ${endpoint} already exists on config ${theirs}; refusing to take it over`,
        },
        faults: [{ kind: 'actorCreate', operation: 'CreateEndpoint', names: [endpoint], input: { EndpointConfigName: theirs, Tags: LOOKALIKE_TAGS } }],
        actorMade: [{ kind: 'endpoint', name: endpoint, config: theirs }],
        // The deploy's own model and config go; the other actor's endpoint stays, on its config and model.
        expect: () => ({
          models: [],
          configs: [],
          endpoints: [{ name: endpoint, config: theirs, variants: [{ name: 'AllTraffic', model: theirs, instanceType: INSTANCE }] }],
          packages: { [`${group}/1`]: ['Approved', 'Staging', 'DeploymentFailed'] },
          groups: [group],
          problems: [],
        }),
      };
    }
    case 'deploy-model-taken': {
      // Just before the deploy's CreateModel is served, another actor creates a model of that name with the
      // very container the deploy asks for, untagged: same spec, not modelship's.
      const container = { Image: image(group, 'v1'), ModelDataUrl: `s3://models/${group}/v1.tar.gz` };
      return {
        ...base,
        workflowType: 'deployModel',
        input: deployInput('v1'),
        expected: { status: 'failed', type: 'DeploymentFailed', messageMatches: `model ${v1Model} already exists and its tags do not say modelship made it` },
        faults: [
          {
            kind: 'actorCreate',
            operation: 'CreateModel',
            names: [v1Model],
            input: { ExecutionRoleArn: ROLE, PrimaryContainer: container, Tags: LOOKALIKE_TAGS },
          },
        ],
        actorMade: [{ kind: 'model', name: v1Model, container }],
        expect: () => ({
          models: [v1Model],
          configs: [],
          endpoints: [],
          packages: { [`${group}/1`]: ['Approved', 'Staging', 'DeploymentFailed'] },
          groups: [group],
          problems: [],
        }),
      };
    }
    case 'deploy-unhealthy-new':
      return {
        ...base,
        workflowType: 'deployModel',
        input: deployInput('broken'),
        expected: { status: 'failed', type: 'DeploymentFailed' },
        behaviours: { [image(group, 'broken')]: { healthy: false, failureReason: 'container failed ping health check' } },
        expect: () => ({
          models: [],
          configs: [],
          endpoints: [],
          packages: { [`${group}/1`]: ['Approved', 'Staging', 'DeploymentFailed'] },
          groups: [group],
          problems: [],
        }),
      };
    case 'deploy-unhealthy-update':
      return {
        ...base,
        workflowType: 'deployModel',
        input: deployInput('broken'),
        expected: { status: 'failed', type: 'DeploymentFailed' },
        behaviours: { [image(group, 'broken')]: { healthy: false, failureReason: 'model data download failed' } },
        setup: (aws) => seedEndpoint(aws, { endpoint, group }),
        expect: () => {
          const e = onV1();
          e.packages[`${group}/2`] = ['Approved', 'Staging', 'DeploymentFailed'];
          return e;
        },
      };
    case 'canary-ok':
    case 'canary-unhealthy': {
      const healthy = kind === 'canary-ok';
      const input: CanaryInput = {
        endpointName: endpoint,
        model: { name: group, version: 2 },
        executionRoleArn: ROLE,
        steps: [50, 100],
        // Long enough at 50 % for the canary variant's own target tracking to scale it out (see below): the
        // simulation needs its 2 s window filled above the target after the ramp. 5 s (3 s before) leaves
        // room for a busy machine, where traffic is generated late or a kill lands between ramp and bake.
        bake: '5s',
        gate: { minInvocations: 5, metricPeriod: '1s', maxErrorRate: 0.05 },
        poll: FAST_POLL,
      };
      return {
        ...base,
        workflowType: 'canaryRollout',
        input,
        expected: healthy ? { status: 'completed' } : { status: 'failed', type: 'GateFailed' },
        behaviours: healthy ? {} : { [image(group, 'v2')]: { errorRate: 0.5 } },
        trafficRps: TRAFFIC_RPS,
        setup: async (aws) => {
          // Deployed earlier by modelship, so it carries the ownership tags the promoted canary's cleanup
          // decides by (an untagged baseline's config and model would rightly be kept).
          // Autoscaled, with the emulator's target tracking on: at most the 2 instances it has, so only the
          // canary variant (its own target, the baseline's policy, from 1 instance) scales out, mid-rollout:
          // 20 req/s on it is 1200 a minute, above the 900 tracked. The operator's scheduled action and
          // alarm-wired step policy must come back exactly.
          await seedEndpoint(aws, { endpoint, group, ownedBy: 'seed-run', autoscaled: { maxCapacity: 2, targetPerMinute: CANARY_TARGET_PER_MINUTE } });
          await decorateScaling(aws, endpoint, 'AllTraffic');
          await registerVersion(aws, group, image(group, 'v2'));
        },
        expect: (actual) => {
          if (!healthy) {
            const e = onV1();
            e.packages[`${group}/2`] = ['Rejected', 'Staging', 'CanaryRolledBack'];
            return e;
          }
          const ep = actual.endpoints.find((x) => x.name === endpoint);
          const config = ep?.endpointConfigName ?? '(no endpoint)';
          return {
            models: [v2Model],
            configs: [config],
            endpoints: [{ name: endpoint, config, variants: [{ name: 'AllTraffic', model: v2Model, instanceType: INSTANCE }] }],
            packages: { [`${group}/1`]: ['Approved', 'Archived', 'Superseded'], [`${group}/2`]: ['Approved', 'Production', 'Deployed'] },
            groups: [group],
            problems: config === v1Config ? [`${endpoint}: still on ${v1Config} after a successful canary`] : [],
          };
        },
      };
    }
    case 'update-autoscaled':
    case 'update-rolled-back': {
      const ok = kind === 'update-autoscaled';
      const input: UpdateInput = { endpointName: endpoint, change: [{ variantName: 'AllTraffic', instanceType: 'ml.c5.xlarge' }], poll: FAST_POLL };
      return {
        ...base,
        workflowType: 'updateSageMakerEndpoint',
        input,
        expected: ok ? { status: 'completed' } : { status: 'failed', type: 'UpdateFailed' },
        faults: ok
          ? [{ kind: 'slowTransitions', factor: 8, transitions: ['update'], endpoints: [endpoint] }]
          : // Every update of this endpoint fails, like a model that never passes its health check. (With a
            // one-shot failure, a lost UpdateEndpoint response makes the retry submit the update again after
            // SageMaker's rollback, and the second one succeeds: correct, but not this scenario.)
            [{ kind: 'failTransition', transitions: ['update'], endpoints: [endpoint], failureReason: 'insufficient capacity for ml.c5.xlarge' }],
        // Served throughout: the new fleet must carry it within capacity, as the old one did.
        trafficRps: TRAFFIC_RPS,
        // An operator's scaling around it (scheduled action, step policy wired to an alarm) must come back.
        setup: async (aws) => {
          await seedEndpoint(aws, { endpoint, group, autoscaled: true });
          await decorateScaling(aws, endpoint, 'AllTraffic');
        },
        expect: (actual) => {
          if (!ok) return onV1();
          const ep = actual.endpoints.find((x) => x.name === endpoint);
          const config = ep?.endpointConfigName ?? '(no endpoint)';
          return {
            models: [v1Model],
            configs: [v1Config, config],
            endpoints: [{ name: endpoint, config, variants: [{ name: 'AllTraffic', model: v1Model, instanceType: 'ml.c5.xlarge' }] }],
            packages: { [`${group}/1`]: ['Approved', 'Production', 'Deployed'] },
            groups: [group],
            problems: config === v1Config ? [`${endpoint}: still on ${v1Config} after a successful update`] : [],
          };
        },
      };
    }
    case 'delete-autoscaled': {
      const input: DeleteInput = { endpointName: endpoint, poll: FAST_POLL };
      return {
        ...base,
        workflowType: 'deleteSageMakerEndpoint',
        input,
        expected: { status: 'completed' },
        faults: [{ kind: 'slowTransitions', factor: 6, transitions: ['delete'], endpoints: [endpoint] }],
        // Deployed earlier by modelship, so it carries the ownership tags delete decides by.
        setup: async (aws) => {
          await seedEndpoint(aws, { endpoint, group, autoscaled: true, ownedBy: 'seed-run' });
          // The operator's alarm is not modelship's: it outlives the endpoint.
          await decorateScaling(aws, endpoint, 'AllTraffic');
        },
        expect: () => ({
          models: [],
          configs: [],
          endpoints: [],
          packages: { [`${group}/1`]: ['Approved', 'Production', 'Deployed'] },
          groups: [group],
          problems: [],
        }),
      };
    }
  }
}

/** An endpoint serving version 1 of `group`, as if deployed earlier: model, config, endpoint, registry entry, optional scaling. */
export async function seedEndpoint(
  aws: AwsClients,
  o: { endpoint: string; group: string; autoscaled?: boolean | { maxCapacity: number; targetPerMinute: number }; ownedBy?: string },
): Promise<void> {
  const model = modelName(o.group, 1);
  // With `ownedBy` (a run id), tagged as a modelship deploy tags what it creates; without it, untagged.
  const owner = o.ownedBy ? { endpoint: o.endpoint, run: o.ownedBy } : undefined;
  const tags = withOwnershipTags(undefined, owner);
  await aws.sagemaker.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: o.group }));
  await aws.sagemaker.send(
    new CreateModelPackageCommand({
      ModelPackageGroupName: o.group,
      InferenceSpecification: {
        Containers: [{ Image: image(o.group, 'v1'), ModelDataUrl: modelData(o.group, 'v1') }],
        SupportedContentTypes: ['application/json'],
        SupportedResponseMIMETypes: ['application/json'],
      },
      ModelApprovalStatus: 'Approved',
      ModelLifeCycle: { Stage: 'Production', StageStatus: 'Deployed' },
    }),
  );
  await aws.sagemaker.send(
    new CreateModelCommand({
      ModelName: model,
      ExecutionRoleArn: ROLE,
      PrimaryContainer: { Image: image(o.group, 'v1'), ModelDataUrl: modelData(o.group, 'v1') },
      Tags: tags,
    }),
  );
  await aws.sagemaker.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: `${o.endpoint}-v1`,
      ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: model, InstanceType: INSTANCE, InitialInstanceCount: 2, InitialVariantWeight: 1 }],
      Tags: tags && [...tags, ...modelUseTags([model])],
    }),
  );
  await aws.sagemaker.send(new CreateEndpointCommand({ EndpointName: o.endpoint, EndpointConfigName: `${o.endpoint}-v1`, Tags: tags }));
  for (let i = 0; ; i++) {
    const ep = await aws.sagemaker.send(new DescribeEndpointCommand({ EndpointName: o.endpoint }));
    if (ep.EndpointStatus === 'InService') break;
    if (i > 200) throw new Error(`seed endpoint ${o.endpoint} stuck in ${ep.EndpointStatus}`);
    await sleep(50);
  }
  if (!o.autoscaled) return;
  const id = { ServiceNamespace: NS, ResourceId: `endpoint/${o.endpoint}/variant/AllTraffic`, ScalableDimension: DIM } as const;
  const { maxCapacity, targetPerMinute } = o.autoscaled === true ? { maxCapacity: 6, targetPerMinute: QUIET_TARGET_PER_MINUTE } : o.autoscaled;
  await aws.autoscaling.send(
    new RegisterScalableTargetCommand({ ...id, MinCapacity: 1, MaxCapacity: maxCapacity, SuspendedState: { DynamicScalingInSuspended: true } }),
  );
  await aws.autoscaling.send(
    new PutScalingPolicyCommand({
      ...id,
      PolicyName: 'invocations-per-instance',
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: {
        TargetValue: targetPerMinute,
        PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerVariantInvocationsPerInstance' },
        ScaleInCooldown: 300,
        ScaleOutCooldown: 60,
      },
    }),
  );
  await aws.autoscaling.send(
    new PutScalingPolicyCommand({
      ...id,
      PolicyName: 'step-out',
      PolicyType: 'StepScaling',
      StepScalingPolicyConfiguration: {
        AdjustmentType: 'ChangeInCapacity',
        StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 1 }],
        Cooldown: 120,
        MetricAggregationType: 'Average',
      },
    }),
  );
}

export async function registerVersion(aws: AwsClients, group: string, img: string): Promise<void> {
  await aws.sagemaker.send(
    new CreateModelPackageCommand({
      ModelPackageGroupName: group,
      InferenceSpecification: {
        Containers: [{ Image: img, ModelDataUrl: modelData(group, 'v2') }],
        SupportedContentTypes: ['application/json'],
        SupportedResponseMIMETypes: ['application/json'],
      },
      ModelApprovalStatus: 'Approved',
      ModelLifeCycle: { Stage: 'Staging', StageStatus: 'Registered' },
    }),
  );
}

// ------------------------------------------------------------------------------------ state checks

function diffSets(what: string, actual: string[], expected: string[], out: string[]): void {
  const a = new Set(actual);
  const e = new Set(expected);
  for (const x of a) if (!e.has(x)) out.push(`orphaned ${what} ${x}`);
  for (const x of e) if (!a.has(x)) out.push(`missing ${what} ${x}`);
}

/**
 * Compares the emulator's whole state with what the scenarios must leave, plus the look-alikes (which
 * must all still be there). Returns every difference.
 */
export function compareState(actual: StateSnapshot, scenarios: Scenario[], lookalikes: Lookalike[] = []): string[] {
  const out: string[] = [];
  const exp = scenarios.map((s) => s.expect(actual));
  const others = (kind: Lookalike['kind']) => lookalikes.filter((l) => l.kind === kind).map((l) => l.name);
  out.push(...exp.flatMap((e) => e.problems));
  diffSets(
    'model',
    actual.models.map((m) => m.name),
    [...exp.flatMap((e) => e.models), ...others('model')],
    out,
  );
  diffSets(
    'endpoint config',
    actual.endpointConfigs.map((c) => c.name),
    [...exp.flatMap((e) => e.configs), ...others('endpoint config')],
    out,
  );
  diffSets(
    'endpoint',
    actual.endpoints.map((e) => e.name),
    [...exp.flatMap((e) => e.endpoints.map((x) => x.name)), ...others('endpoint')],
    out,
  );
  diffSets(
    'model package group',
    actual.modelPackageGroups.map((g) => g.name),
    exp.flatMap((e) => e.groups),
    out,
  );
  const packages = Object.assign({}, ...exp.map((e) => e.packages)) as Expectation['packages'];
  diffSets(
    'model package',
    actual.modelPackages.map((p) => `${p.groupName}/${p.version}`),
    Object.keys(packages),
    out,
  );
  for (const p of actual.modelPackages) {
    const want = packages[`${p.groupName}/${p.version}`];
    const got = [p.approvalStatus, p.modelLifeCycle?.Stage, p.modelLifeCycle?.StageStatus];
    if (want && JSON.stringify(got) !== JSON.stringify(want))
      out.push(`model package ${p.groupName}/${p.version} is ${got.join('/')}, expected ${want.join('/')}`);
  }
  for (const want of exp.flatMap((e) => e.endpoints)) {
    const ep = actual.endpoints.find((x) => x.name === want.name);
    if (!ep) continue;
    if (ep.status !== 'InService') out.push(`endpoint ${ep.name} is ${ep.status}`);
    if (ep.endpointConfigName !== want.config) out.push(`endpoint ${ep.name} serves ${ep.endpointConfigName}, expected ${want.config}`);
    if (ep.pendingDeployment) out.push(`endpoint ${ep.name} still has a pending deployment to ${ep.pendingDeployment.endpointConfigName}`);
    const config = actual.endpointConfigs.find((c) => c.name === ep.endpointConfigName);
    const variants = (config?.productionVariants ?? []).map((v) => ({ name: v.variantName, model: v.modelName, instanceType: v.instanceType }));
    if (JSON.stringify(variants) !== JSON.stringify(want.variants))
      out.push(`endpoint ${ep.name} config variants ${JSON.stringify(variants)}, expected ${JSON.stringify(want.variants)}`);
    const live = ep.variants.map((v) => v.variantName);
    if (JSON.stringify(live) !== JSON.stringify(want.variants.map((v) => v.name)))
      out.push(`endpoint ${ep.name} serves variants ${live}, expected ${want.variants.map((v) => v.name)}`);
  }
  // Scaling: exactly the targets and policies of the autoscaled endpoints that still exist, as before.
  const expectedTargets = scenarios.flatMap((s) =>
    s.scalingBefore && exp[scenarios.indexOf(s)].endpoints.length ? s.scalingBefore.targets.map((t) => t.ResourceId!) : [],
  );
  diffSets(
    'scalable target',
    actual.scalableTargets.map((t) => t.resourceId),
    expectedTargets,
    out,
  );
  const expectedPolicies = scenarios.flatMap((s) =>
    s.scalingBefore && exp[scenarios.indexOf(s)].endpoints.length ? s.scalingBefore.policies.map((p) => `${p.ResourceId}/${p.PolicyName}`) : [],
  );
  diffSets(
    'scaling policy',
    actual.scalingPolicies.map((p) => `${p.resourceId}/${p.policyName}`),
    expectedPolicies,
    out,
  );
  const policyArns = new Set(actual.scalingPolicies.map((p) => p.policyArn));
  const ownedAlarms = new Set(actual.scalingPolicies.flatMap((p) => p.alarms.map((a) => a.AlarmName)));
  // The operators' alarms stay, whatever happens to the endpoint (compareScaling checks their actions).
  const operatorAlarms = new Set(scenarios.flatMap((s) => s.scalingBefore?.stepAlarms.map((a) => a.name!) ?? []));
  diffSets(
    'operator alarm',
    actual.alarms.map((a) => a.alarmName).filter((n) => operatorAlarms.has(n)),
    [...operatorAlarms],
    out,
  );
  for (const a of actual.alarms) {
    if (operatorAlarms.has(a.alarmName)) continue;
    if (a.managedByPolicyArn && !policyArns.has(a.managedByPolicyArn)) out.push(`orphaned alarm ${a.alarmName} (its policy is gone)`);
    else if (!ownedAlarms.has(a.alarmName)) out.push(`orphaned alarm ${a.alarmName}`);
  }
  return out;
}

/**
 * Autoscaled endpoints that still exist must have exactly the scaling they had before: targets with their
 * tags, policies, scheduled actions, and the operator's alarms acting on the step policy's current ARN
 * (a re-created policy has a new one). A deleted endpoint's operator alarms stay, less the deleted
 * policy's action.
 */
export async function compareScaling(aws: AwsClients, actual: StateSnapshot, scenarios: Scenario[]): Promise<string[]> {
  const out: string[] = [];
  for (const s of scenarios) {
    if (!s.scalingBefore) continue;
    const exists = actual.endpoints.some((e) => e.name === s.endpoint);
    const want = exists ? s.scalingBefore : scalingAfterDelete(s.scalingBefore);
    const now = await scalingOf(aws, s.endpoint);
    if (JSON.stringify(now) !== JSON.stringify(want)) {
      out.push(`${s.endpoint}${exists ? '' : ' (deleted)'}: scaling ${JSON.stringify(now)} differs from the expected ${JSON.stringify(want)}`);
    }
  }
  return out;
}

// ------------------------------------------------------------------------------------- look-alikes

/** A resource modelship does not own, named like the campaign's, that must come out of the run unchanged. */
export interface Lookalike {
  kind: 'model' | 'endpoint config' | 'endpoint';
  name: string;
  /** What Describe… and ListTags answered before the run. */
  before?: string;
}

const NOT_FOUND = /Could not find/;

/** Retries through the campaign's faults; a create whose earlier response was lost counts as done. */
async function persistently<T>(what: string, call: () => Promise<T>): Promise<T | undefined> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (/Cannot create already existing/.test((err as Error).message)) return undefined;
      if (attempt >= 30) throw new Error(`${what}: ${(err as Error).message}`);
      await sleep(200);
    }
  }
}

/** Describe… plus ListTags of a look-alike, comparable before and after; undefined when it is gone. */
async function describeLookalike(aws: AwsClients, l: Pick<Lookalike, 'kind' | 'name'>): Promise<string | undefined> {
  const read = async () => {
    const { $metadata, ...d } =
      l.kind === 'model'
        ? await aws.sagemaker.send(new DescribeModelCommand({ ModelName: l.name }))
        : l.kind === 'endpoint config'
          ? await aws.sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: l.name }))
          : await aws.sagemaker.send(new DescribeEndpointCommand({ EndpointName: l.name }));
    const arn = 'ModelArn' in d ? d.ModelArn : 'EndpointConfigArn' in d ? d.EndpointConfigArn : d.EndpointArn;
    const tags = (await aws.sagemaker.send(new ListTagsCommand({ ResourceArn: arn }))).Tags;
    return JSON.stringify({ ...d, tags });
  };
  for (let attempt = 0; ; attempt++) {
    try {
      return await read();
    } catch (err) {
      if (NOT_FOUND.test((err as Error).message)) return undefined;
      if (attempt >= 30) throw err;
      await sleep(200);
    }
  }
}

/**
 * A hand-made model and endpoint config `<prefix>` (raw SDK calls, an operator's tags, none of
 * modelship's), the model running `img`: what name-prefix or image matching would wrongly take for
 * modelship's. With `endpoint`, also an endpoint of that name on the config, waited InService.
 */
async function createLookalikes(aws: AwsClients, prefix: string, img: string, endpoint = false): Promise<Lookalike[]> {
  const tags = LOOKALIKE_TAGS;
  await persistently(`create model ${prefix}`, () =>
    aws.sagemaker.send(
      new CreateModelCommand({
        ModelName: prefix,
        ExecutionRoleArn: ROLE,
        PrimaryContainer: { Image: img, ModelDataUrl: 's3://models/manual/model.tar.gz' },
        Tags: tags,
      }),
    ),
  );
  await persistently(`create endpoint config ${prefix}`, () =>
    aws.sagemaker.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: prefix,
        ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: prefix, InstanceType: INSTANCE, InitialInstanceCount: 1, InitialVariantWeight: 1 }],
        Tags: tags,
      }),
    ),
  );
  const made: Lookalike[] = [
    { kind: 'model', name: prefix },
    { kind: 'endpoint config', name: prefix },
  ];
  if (endpoint) {
    await persistently(`create endpoint ${prefix}`, () =>
      aws.sagemaker.send(new CreateEndpointCommand({ EndpointName: prefix, EndpointConfigName: prefix, Tags: tags })),
    );
    for (let i = 0; ; i++) {
      const ep = await persistently(`describe endpoint ${prefix}`, () => aws.sagemaker.send(new DescribeEndpointCommand({ EndpointName: prefix })));
      if (ep?.EndpointStatus === 'InService') break;
      if (i > 300) throw new Error(`look-alike endpoint ${prefix} stuck in ${ep?.EndpointStatus}`);
      await sleep(100);
    }
    made.push({ kind: 'endpoint', name: prefix });
  }
  for (const l of made) l.before = await describeLookalike(aws, l);
  return made;
}

/** Look-alikes deleted or changed since they were made. */
export async function compareLookalikes(aws: AwsClients, lookalikes: Lookalike[]): Promise<string[]> {
  const out: string[] = [];
  for (const l of lookalikes) {
    const now = await describeLookalike(aws, l);
    if (now === undefined) out.push(`${l.kind} ${l.name} (not modelship's) was deleted`);
    else if (now !== l.before) out.push(`${l.kind} ${l.name} (not modelship's) changed: ${l.before} -> ${now}`);
  }
  return out;
}

/**
 * What other actors created under the names pipelines were about to use (actorCreate faults) must be there
 * exactly as they made it: the endpoint InService on their config, the model with their container, and
 * only their tags (none of modelship's added).
 */
export async function compareActorMade(aws: AwsClients, scenarios: Scenario[]): Promise<string[]> {
  const out: string[] = [];
  const tagsOf = async (arn: string) => (await aws.sagemaker.send(new ListTagsCommand({ ResourceArn: arn }))).Tags ?? [];
  for (const a of scenarios.flatMap((s) => s.actorMade ?? [])) {
    const what = `${a.kind} ${a.name} (another actor's, made under the name a pipeline used)`;
    try {
      if (a.kind === 'endpoint') {
        const ep = await aws.sagemaker.send(new DescribeEndpointCommand({ EndpointName: a.name }));
        if (ep.EndpointStatus !== 'InService' || ep.EndpointConfigName !== a.config)
          out.push(`${what} is ${ep.EndpointStatus} on ${ep.EndpointConfigName}, expected InService on ${a.config}`);
        const tags = await tagsOf(ep.EndpointArn!);
        if (JSON.stringify(tags) !== JSON.stringify(LOOKALIKE_TAGS))
          out.push(`${what} has tags ${JSON.stringify(tags)}, expected ${JSON.stringify(LOOKALIKE_TAGS)}`);
      } else {
        const m = await aws.sagemaker.send(new DescribeModelCommand({ ModelName: a.name }));
        const c = { Image: m.PrimaryContainer?.Image, ModelDataUrl: m.PrimaryContainer?.ModelDataUrl };
        if (JSON.stringify(c) !== JSON.stringify(a.container)) out.push(`${what} has container ${JSON.stringify(c)}, expected ${JSON.stringify(a.container)}`);
        const tags = await tagsOf(m.ModelArn!);
        if (JSON.stringify(tags) !== JSON.stringify(LOOKALIKE_TAGS))
          out.push(`${what} has tags ${JSON.stringify(tags)}, expected ${JSON.stringify(LOOKALIKE_TAGS)}`);
      }
    } catch (err) {
      out.push(NOT_FOUND.test((err as Error).message) ? `${what} was deleted` : `${what}: ${(err as Error).message}`);
    }
  }
  return out;
}

/** Variants whose peak load per instance exceeded the capacity of that moment; traffic that reached no variant. */
export function capacityFindings(loads: VariantLoad[], trafficEndpoints: string[]): string[] {
  const out: string[] = [];
  for (const l of loads) {
    const capacity = l.peakCapacityPerInstance ?? l.capacityPerInstance;
    if (l.peakLoadPerInstance > capacity) {
      out.push(
        `${l.endpointName}/${l.variantName} peaked at ${l.peakLoadPerInstance.toFixed(1)} req/s per instance on ${l.peakInstances} × ${l.peakInstanceType}, ` +
          `capacity ${capacity} (${l.overloadedRequests} requests overloaded, ${l.shedRequests} shed)`,
      );
    }
  }
  // Without load the check above proves nothing.
  for (const ep of trafficEndpoints) if (!loads.some((l) => l.endpointName === ep && l.requests > 0)) out.push(`${ep}: its traffic reached no variant`);
  return out;
}

/** Create calls (models, configs, endpoints) that took effect more than once for the same name. */
export function duplicateCreates(creates: Array<{ operation: string; name?: string; error?: string; applied?: boolean }>): string[] {
  const effective = new Map<string, number>();
  for (const c of creates) {
    if (!/^SageMaker\.Create(Model|EndpointConfig|Endpoint)$/.test(c.operation)) continue;
    if (c.error && !c.applied) continue;
    const key = `${c.operation} ${c.name}`;
    effective.set(key, (effective.get(key) ?? 0) + 1);
  }
  return [...effective].filter(([, n]) => n > 1).map(([key, n]) => `${key} took effect ${n} times`);
}

// ------------------------------------------------------------------------------ recovery after a kill

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const eventName = (e: HistoryEvent) => temporal.api.enums.v1.EventType[e.eventType ?? 0].replace(/^EVENT_TYPE_/, '');
/**
 * Events only a worker running the workflow writes, each one a step made: an activity reported its result
 * (`ACTIVITY_TASK_COMPLETED`/`_FAILED`/`_CANCELED`; a timeout is the server's, not a step), or a workflow task
 * completed with a command (a local activity's result `MARKER_RECORDED`, a timer or an activity started, a
 * search-attribute upsert, the workflow closed). A workflow task that completes with no command (a local
 * activity's workflow-task heartbeat) is not a step; `TIMER_FIRED` and timeouts are the server's.
 */
const STEP_EVENTS = new Set([
  'ACTIVITY_TASK_COMPLETED',
  'ACTIVITY_TASK_FAILED',
  'ACTIVITY_TASK_CANCELED',
  'MARKER_RECORDED',
  'TIMER_STARTED',
  'TIMER_CANCELED',
  'ACTIVITY_TASK_SCHEDULED',
  'ACTIVITY_TASK_CANCEL_REQUESTED',
  'UPSERT_WORKFLOW_SEARCH_ATTRIBUTES',
  'WORKFLOW_PROPERTIES_MODIFIED',
  'WORKFLOW_EXECUTION_COMPLETED',
  'WORKFLOW_EXECUTION_FAILED',
  'WORKFLOW_EXECUTION_CONTINUED_AS_NEW',
  'START_CHILD_WORKFLOW_EXECUTION_INITIATED',
  'SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED',
  'REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED',
]);
const CLOSE_EVENTS = new Set([
  'WORKFLOW_EXECUTION_COMPLETED',
  'WORKFLOW_EXECUTION_FAILED',
  'WORKFLOW_EXECUTION_TIMED_OUT',
  'WORKFLOW_EXECUTION_TERMINATED',
  'WORKFLOW_EXECUTION_CANCELED',
  'WORKFLOW_EXECUTION_CONTINUED_AS_NEW',
]);

/**
 * A workflow's next step after a worker kill, from its history (see docs/reliability.md, "Recovery after a
 * worker kill"). `killAt` is when the SIGKILL was sent, `exitedAt` when the old process was seen gone: only
 * events from then on count, so nothing the dying worker wrote does. Undefined when the workflow was not
 * running at the kill (not started yet, or closed). When, at the kill, the workflow had no workflow task and
 * no activity outstanding, only timers (a poll interval, a bake), its next step was not due before a timer
 * fired: `dueAt` is then that timer's `TIMER_FIRED` time, and recovery is measured from there.
 */
export function nextStepAfterKill(events: HistoryEvent[], killAt: number, exitedAt: number): { stepAt?: number; step?: string; dueAt?: number } | undefined {
  if (!events.length || tsToMs(events[0].eventTime) > killAt) return undefined;
  const activities = new Set<string>();
  const timers = new Set<string>();
  let workflowTask = false;
  let i = 0;
  for (; i < events.length && tsToMs(events[i].eventTime) <= killAt; i++) {
    const e = events[i];
    const name = eventName(e);
    if (CLOSE_EVENTS.has(name)) return undefined;
    if (name === 'WORKFLOW_TASK_SCHEDULED') workflowTask = true;
    else if (name === 'WORKFLOW_TASK_COMPLETED' || name === 'WORKFLOW_TASK_FAILED' || name === 'WORKFLOW_TASK_TIMED_OUT') workflowTask = false;
    else if (name === 'ACTIVITY_TASK_SCHEDULED') activities.add(String(e.eventId));
    else if (name === 'TIMER_STARTED') timers.add(e.timerStartedEventAttributes!.timerId!);
    else if (name === 'TIMER_FIRED') timers.delete(e.timerFiredEventAttributes!.timerId!);
    else if (name === 'TIMER_CANCELED') timers.delete(e.timerCanceledEventAttributes!.timerId!);
    else {
      const closed =
        e.activityTaskCompletedEventAttributes ??
        e.activityTaskFailedEventAttributes ??
        e.activityTaskTimedOutEventAttributes ??
        e.activityTaskCanceledEventAttributes;
      if (closed) activities.delete(String(closed.scheduledEventId));
    }
  }
  const onlyTimers = !workflowTask && activities.size === 0 && timers.size > 0;
  let dueAt: number | undefined;
  for (; i < events.length; i++) {
    const e = events[i];
    const at = tsToMs(e.eventTime);
    const name = eventName(e);
    if (onlyTimers && dueAt === undefined && name === 'TIMER_FIRED' && timers.has(e.timerFiredEventAttributes!.timerId!)) dueAt = at;
    if (at >= exitedAt && STEP_EVENTS.has(name)) return { stepAt: at, step: name, dueAt };
  }
  return { dueAt };
}

function median(xs: number[]): number | undefined {
  if (!xs.length) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

// ------------------------------------------------------------------------------------- the campaign

/** A worker child process that is restarted whenever it dies, and can be SIGKILLed on purpose. */
class WorkerSupervisor {
  private child?: ChildProcess;
  private stopping = false;
  private planned = false;
  unplannedExits = 0;
  readonly stderr: string[] = [];

  constructor(private readonly env: Record<string, string>) {}

  async start(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        this.child = await this.spawnOnce();
        return;
      } catch (err) {
        if (this.stopping) return;
        if (attempt >= 60) throw err;
        await sleep(1000); // e.g. the Temporal server is restarting
      }
    }
  }

  private spawnOnce(): Promise<ChildProcess> {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'worker-process.ts')], {
      env: { ...process.env, ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      if (process.env.MODELSHIP_CAMPAIGN_DEBUG) process.stderr.write(`[worker ${child.pid}] ${chunk}`);
      this.stderr.push(chunk.toString());
      if (this.stderr.length > 50) this.stderr.shift();
    });
    return new Promise((resolve, reject) => {
      const early = (code: number | null) => reject(new Error(`worker exited with ${code} before it was ready`));
      child.once('exit', early);
      child.stdout!.on('data', (chunk: Buffer) => {
        if (!chunk.toString().includes('worker ready')) return;
        child.off('exit', early);
        child.once('exit', () => {
          if (this.planned || this.stopping) return;
          // It died on its own (e.g. lost the server for too long): count it and bring it back.
          this.unplannedExits++;
          void this.start();
        });
        resolve(child);
      });
    });
  }

  /** SIGKILL (no graceful shutdown), then a fresh worker. Returns when the old process was seen gone and when the new one polled. */
  async kill(): Promise<{ exitedAt: number; readyAt: number }> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) {
      const exitedAt = Date.now();
      await this.start();
      return { exitedAt, readyAt: Date.now() };
    }
    this.planned = true;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    const exitedAt = Date.now();
    this.planned = false;
    await this.start();
    return { exitedAt, readyAt: Date.now() };
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }
}

function outcomeOfError(err: unknown): Outcome | undefined {
  if (!(err instanceof WorkflowFailedError)) return undefined;
  const cause = err.cause;
  return { status: 'failed', type: cause instanceof ApplicationFailure ? (cause.type ?? undefined) : cause?.name, message: cause?.message ?? err.message };
}

/** The workflow's result, riding out a Temporal server that is down or restarting. */
async function awaitOutcome(client: Client, workflowId: string, deadline: number): Promise<Outcome> {
  for (;;) {
    try {
      await client.workflow.getHandle(workflowId).result();
      return { status: 'completed' };
    } catch (err) {
      const outcome = outcomeOfError(err);
      if (outcome) return outcome;
      if (Date.now() > deadline) throw new Error(`workflow ${workflowId} did not close in time: ${(err as Error).message}`);
      await sleep(500);
    }
  }
}

export async function runCampaign(options: CampaignOptions): Promise<CampaignReport> {
  const seed = options.seed ?? Date.now() % 2 ** 31;
  const random = seededRandom(seed);
  const log = options.log ?? (() => undefined);
  const kills = options.kills ?? 3;
  const restarts = options.serverRestarts ?? 1;
  const chaosWindow = options.chaosWindowMs ?? 25_000;
  const throttleRate = options.throttleRate ?? 0.2;
  const serverErrorRate = options.serverErrorRate ?? 0.05;
  const latencyMs = options.latencyMs ?? 25;
  const started = Date.now();

  const dir = mkdtempSync(path.join(tmpdir(), 'modelship-campaign-'));
  const port = await freePort();
  const dbFilename = path.join(dir, 'temporal.db');
  let server: DevServer | undefined;
  let emulator: Emulator | undefined;
  let aws: AwsClients | undefined;
  let connection: Connection | undefined;
  let workers: WorkerSupervisor | undefined;
  try {
    server = await startDevServer({ cliPath: options.cliPath, port, dbFilename });
    log(`temporal dev server ${server.address}, db ${dbFilename}`);
    emulator = await startEmulator({
      timings: { endpointCreateMs: 400, endpointUpdateMs: 400, endpointDeleteMs: 300, weightsUpdateMs: 300 },
      random: seededRandom(seed ^ 0x5eed),
      instanceCapacityRps: CAPACITY_RPS,
      // Target tracking on invocations per instance, from the last 2 s of metrics, as in the canary tests:
      // a scale-out changes DesiredInstanceCount with the endpoint Updating meanwhile, as AWS does.
      autoscalingSimulation: { intervalMs: 250, windowMs: 2000 },
    });
    aws = createAwsClients({ region: 'us-east-1', endpoint: emulator.url, credentials: { accessKeyId: 'AKIDCAMPAIGN', secretAccessKey: 'campaign' } });
    const bundlePath = path.join(dir, 'workflows.js');
    writeFileSync(bundlePath, (await workflowBundle()).code);
    const taskQueue = `campaign-${seed}`;
    workers = new WorkerSupervisor({
      MODELSHIP_TEST_TEMPORAL_ADDRESS: server.address,
      MODELSHIP_TEST_TASK_QUEUE: taskQueue,
      MODELSHIP_TEST_AWS_ENDPOINT: emulator.url,
      MODELSHIP_TEST_WORKFLOW_BUNDLE: bundlePath,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    });
    await workers.start();

    // Scenarios, set up without faults.
    const prefix = `c${seed.toString(36)}`;
    const scenarios = Array.from({ length: options.pipelines }, (_, i) => makeScenario(SCENARIO_KINDS[i % SCENARIO_KINDS.length], i, prefix));
    for (let i = 0; i < scenarios.length; i += 8) await Promise.all(scenarios.slice(i, i + 8).map((s) => s.setup(aws!, emulator!)));
    for (const s of scenarios) {
      const scaling = await scalingOf(aws, s.endpoint);
      if (scaling.targets.length) s.scalingBefore = scaling;
    }
    // Look-alikes named after each endpoint (`<endpoint>-manual`, a hand-made model and config running the
    // endpoint's image), which no pipeline may delete or change.
    const lookalikes: Lookalike[] = [];
    for (let i = 0; i < scenarios.length; i += 8) {
      const made = await Promise.all(scenarios.slice(i, i + 8).map((s) => createLookalikes(aws!, `${s.endpoint}-manual`, image(s.group, 'v1'))));
      lookalikes.push(...made.flat());
    }
    emulator.control.setBehaviours(Object.assign({}, ...scenarios.map((s) => s.behaviours)));
    emulator.control.clearLoad();
    for (const s of scenarios) if (s.trafficRps) emulator.control.startTraffic({ endpointName: s.endpoint, rps: s.trafficRps });
    emulator.control.clearCalls();
    const mutating = [
      'CreateModelPackage',
      'UpdateModelPackage',
      'CreateModel',
      'CreateEndpointConfig',
      'CreateEndpoint',
      'UpdateEndpoint',
      'UpdateEndpointWeightsAndCapacities',
      'DeleteEndpoint',
      'DeleteEndpointConfig',
      'DeleteModel',
      'RegisterScalableTarget',
      'PutScalingPolicy',
      'DeleteScalingPolicy',
      'DeregisterScalableTarget',
    ];
    emulator.control.setFaults([
      { kind: 'latency', ms: latencyMs, jitterMs: latencyMs, rate: 0.3 },
      { kind: 'throttle', rate: throttleRate },
      // A third of the 5xx on changes are lost responses: the change is made, the caller cannot tell.
      { kind: 'serverError', operations: mutating, rate: serverErrorRate / 3, afterApply: true },
      { kind: 'serverError', rate: serverErrorRate * (2 / 3), status: 500 },
      ...scenarios.flatMap((s) => s.faults),
    ]);
    log(
      `${scenarios.length} pipelines seeded in ${((Date.now() - started) / 1000).toFixed(1)}s; faults on (throttle ${throttleRate}, 5xx ${serverErrorRate}, latency ${latencyMs}ms)`,
    );

    // Start every pipeline.
    const client = new Client({ connection: (connection = await Connection.connect({ address: server.address })) });
    const startedAt = new Map<string, number>();
    for (const s of scenarios) {
      await client.workflow.start(s.workflowType, { taskQueue, workflowId: endpointWorkflowId(s.endpoint), args: [s.input] });
      startedAt.set(s.endpoint, Date.now());
    }
    const chaosStart = Date.now();
    // Another actor creates its own endpoint (model, config, endpoint) under faults while the pipelines
    // run, named like the one the delete pipeline removes.
    const actorOn = scenarios.find((s) => s.kind === 'delete-autoscaled') ?? scenarios[0]!;
    const actor = sleep(1000).then(() => createLookalikes(aws!, `${actorOn.endpoint}-shadow`, image(actorOn.group, 'v1'), true));
    actor.catch(() => undefined); // awaited below; this only keeps an early failure from going unhandled

    // Chaos: kills and restarts at random moments of the window, in time order.
    const events = [
      ...Array.from({ length: kills }, () => ({ at: random() * chaosWindow, what: 'kill' as const })),
      ...Array.from({ length: restarts }, () => ({ at: chaosWindow * (0.3 + 0.4 * random()), what: 'restart' as const })),
    ].sort((a, b) => a.at - b.at);
    let killed = 0;
    let restarted = 0;
    const killTimes: Array<{ at: number; exitedAt: number; readyAt: number }> = [];
    const restartTimes: Array<{ from: number; to: number }> = [];
    const deadline = started + (options.timeoutMs ?? 600_000);
    const finished = new Map<string, { outcome: Outcome; at: number }>();
    const waiting = Promise.all(
      scenarios.map(async (s) => {
        const outcome = await awaitOutcome(client, endpointWorkflowId(s.endpoint), deadline);
        finished.set(s.endpoint, { outcome, at: Date.now() });
      }),
    );
    const ticker = setInterval(
      () => {
        const calls = Object.values(emulator!.control.calls().counts).reduce((a, b) => a + b, 0);
        log(`[${((Date.now() - chaosStart) / 1000).toFixed(1)}s] ${finished.size}/${scenarios.length} closed, ${calls} AWS calls so far`);
      },
      process.env.MODELSHIP_CAMPAIGN_DEBUG ? 2_000 : 10_000,
    );
    for (const e of events) {
      const wait = chaosStart + e.at - Date.now();
      if (wait > 0) await sleep(wait);
      if (finished.size === scenarios.length) break;
      if (e.what === 'kill') {
        const at = Date.now();
        killTimes.push({ at, ...(await workers.kill()) });
        killed++;
        log(`[${((Date.now() - chaosStart) / 1000).toFixed(1)}s] worker SIGKILLed and restarted (${finished.size}/${scenarios.length} done)`);
      } else {
        const from = Date.now();
        await server.stop();
        await sleep(500);
        server = await startDevServer({ cliPath: options.cliPath, port, dbFilename });
        restartTimes.push({ from, to: Date.now() });
        restarted++;
        log(
          `[${((Date.now() - chaosStart) / 1000).toFixed(1)}s] temporal dev server restarted on ${server.address} (${finished.size}/${scenarios.length} done)`,
        );
      }
    }
    await waiting.finally(() => clearInterval(ticker));
    lookalikes.push(...(await actor));
    log(`all ${scenarios.length} workflows closed after ${((Date.now() - chaosStart) / 1000).toFixed(1)}s`);

    // Recovery after each kill, from the workflows' histories (the server and the worker share this machine's clock).
    const histories = new Map<string, HistoryEvent[]>();
    for (const s of scenarios) histories.set(s.endpoint, (await client.workflow.getHandle(endpointWorkflowId(s.endpoint)).fetchHistory()).events ?? []);
    const noStepAfterKill: string[] = [];
    const killRecoveries: KillRecovery[] = killTimes.map((k, n) => {
      const affected: PipelineRecovery[] = [];
      for (const s of scenarios) {
        const next = nextStepAfterKill(histories.get(s.endpoint)!, k.at, k.exitedAt);
        if (!next) continue;
        if (next.stepAt === undefined) noStepAfterKill.push(`${s.endpoint} after kill ${n + 1}`);
        const from = Math.max(k.at, next.dueAt ?? k.at);
        affected.push({
          kind: s.kind,
          endpoint: s.endpoint,
          seconds: next.stepAt === undefined ? undefined : (next.stepAt - from) / 1000,
          nextStep: next.step,
          timerDueSeconds: next.dueAt === undefined ? undefined : (next.dueAt - k.at) / 1000,
          serverRestartBetween: restartTimes.some((r) => r.to > k.at && r.from < (next.stepAt ?? Infinity)),
        });
      }
      const seconds = affected.map((a) => a.seconds).filter((x): x is number => x !== undefined);
      return {
        atSeconds: (k.at - chaosStart) / 1000,
        workerReadySeconds: (k.readyAt - k.at) / 1000,
        affected,
        medianSeconds: median(seconds),
        maxSeconds: seconds.length ? Math.max(...seconds) : undefined,
      };
    });
    const allRecoveries = killRecoveries.flatMap((k) => k.affected.map((a) => a.seconds).filter((x): x is number => x !== undefined));

    // Let the emulator settle (no faults, nothing in flight), then read everything.
    emulator.control.stopAllTraffic();
    const stats = emulator.control.calls();
    emulator.control.setFaults([]);
    for (let i = 0; i < 100 && emulator.control.state().endpoints.some((e) => e.transition); i++) await sleep(100);
    const state = emulator.control.state();
    const peakLoads = emulator.control.load();

    const pipelines: PipelineReport[] = scenarios.map((s) => {
      const { outcome, at } = finished.get(s.endpoint)!;
      const ok =
        outcome.status === s.expected.status &&
        (s.expected.type === undefined || outcome.type === s.expected.type) &&
        (s.expected.messageMatches === undefined || (outcome.message ?? '').includes(s.expected.messageMatches));
      return { kind: s.kind, endpoint: s.endpoint, expected: s.expected, actual: outcome, ok, durationMs: at - startedAt.get(s.endpoint)! };
    });
    const errors: Record<string, number> = {};
    for (const perCode of Object.values(stats.errors)) for (const [code, n] of Object.entries(perCode)) errors[code] = (errors[code] ?? 0) + n;
    const checksStart = Date.now();
    const leaks = compareState(state, scenarios, lookalikes);
    const scalingDiffs = await compareScaling(aws, state, scenarios);
    const lookalikeChanges = [...(await compareLookalikes(aws, lookalikes)), ...(await compareActorMade(aws, scenarios))];
    const scalingSteps = emulator.control.scalingSteps();
    // Each canary's first scale-out between its start and its close (the simulation acting mid-rollout).
    const canaryScaleOuts = pipelines
      .filter((p) => p.kind.startsWith('canary-'))
      .map((p) => {
        const [from, to] = [startedAt.get(p.endpoint)!, finished.get(p.endpoint)!.at];
        const out = scalingSteps.find((x) => x.resourceId.startsWith(`endpoint/${p.endpoint}/variant/`) && x.to > x.from && x.time >= from && x.time <= to);
        return { endpoint: p.endpoint, from, to, out };
      });
    log(`final checks took ${((Date.now() - checksStart) / 1000).toFixed(1)}s`);
    return {
      seed,
      pipelines,
      kills: killed,
      serverRestarts: restarted,
      workerExitsUnplanned: workers.unplannedExits,
      faults: stats.faults,
      errors,
      calls: Object.values(stats.counts).reduce((a, b) => a + b, 0),
      wrongOutcomes: pipelines
        .filter((p) => !p.ok)
        .map(
          (p) =>
            `${p.kind} ${p.endpoint}: expected ${p.expected.status}${p.expected.type ? ` (${p.expected.type})` : ''}` +
            `${p.expected.messageMatches ? ` naming "${p.expected.messageMatches}"` : ''}, got ${p.actual.status}${p.actual.type ? ` (${p.actual.type})` : ''}: ${p.actual.message ?? ''}`,
        ),
      leaks,
      duplicates: duplicateCreates(stats.creates),
      scalingDiffs,
      lookalikeChanges,
      overCapacity: capacityFindings(
        peakLoads,
        scenarios.filter((s) => s.trafficRps).map((s) => s.endpoint),
      ),
      peakLoads,
      scalingSteps,
      canariesWithoutScaleOut: canaryScaleOuts.filter((c) => !c.out).map((c) => c.endpoint),
      canaryScaleOuts: canaryScaleOuts.map(({ endpoint, from, to, out }) => {
        const s = (ms: number) => (ms / 1000).toFixed(1);
        return `${endpoint}: ${out ? `scaled out ${s(out.time - from)}s after its start` : 'no scale-out'}, closed after ${s(to - from)}s`;
      }),
      killRecoveries,
      recoveryMedianSeconds: median(allRecoveries),
      recoveryMaxSeconds: allRecoveries.length ? Math.max(...allRecoveries) : undefined,
      noStepAfterKill,
      durationMs: Date.now() - started,
    };
  } finally {
    await workers?.stop();
    await connection?.close().catch(() => undefined);
    if (aws) destroyAwsClients(aws);
    await emulator?.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatSummary(r: CampaignReport): string {
  const outcomes = new Map<string, number>();
  for (const p of r.pipelines) {
    const key = `${p.kind}: ${p.actual.status}${p.actual.type ? ` (${p.actual.type})` : ''}${p.ok ? '' : ' UNEXPECTED'}`;
    outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
  }
  const durations = r.pipelines.map((p) => p.durationMs).sort((a, b) => a - b);
  const pct = (q: number) => (durations[Math.min(durations.length - 1, Math.floor(q * durations.length))] / 1000).toFixed(1);
  const lines = [
    `fault campaign (seed ${r.seed}): ${r.pipelines.length} pipelines in ${(r.durationMs / 1000).toFixed(1)}s`,
    `  chaos: ${r.kills} worker SIGKILLs, ${r.serverRestarts} Temporal server restarts, ${r.workerExitsUnplanned} unplanned worker exits`,
    `  AWS calls: ${r.calls}; faults injected: ${Object.entries(r.faults)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')}`,
    `  errors answered: ${
      Object.entries(r.errors)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ') || 'none'
    }`,
    `  pipeline time: median ${pct(0.5)}s, p90 ${pct(0.9)}s, max ${pct(1)}s`,
    '  outcomes:',
    ...[...outcomes].sort().map(([k, n]) => `    ${n} × ${k}`),
    `  wrong outcomes: ${r.wrongOutcomes.length}`,
    ...r.wrongOutcomes.map((x) => `    ${x}`),
    `  leaks / state differences: ${r.leaks.length}`,
    ...r.leaks.map((x) => `    ${x}`),
    `  duplicate creates: ${r.duplicates.length}`,
    ...r.duplicates.map((x) => `    ${x}`),
    `  autoscaling differences: ${r.scalingDiffs.length}`,
    ...r.scalingDiffs.map((x) => `    ${x}`),
    `  look-alikes (not modelship's) deleted or changed: ${r.lookalikeChanges.length}`,
    ...r.lookalikeChanges.map((x) => `    ${x}`),
    `  autoscaling simulation: ${r.scalingSteps.length} steps (${r.scalingSteps.map((x) => `${x.resourceId.replace(/^endpoint\//, '')} ${x.from}->${x.to}`).join(', ') || 'none'})`,
    `  canaries without a scale-out mid-rollout: ${r.canariesWithoutScaleOut.length}${r.canariesWithoutScaleOut.length ? ` (${r.canariesWithoutScaleOut.join(', ')})` : ''}`,
    ...r.canaryScaleOuts.map((x) => `    ${x}`),
    ...formatRecoveries(r),
    `  over capacity: ${r.overCapacity.length}`,
    ...r.overCapacity.map((x) => `    ${x}`),
    '  peak load per instance (req/s, of the capacity then):',
    ...[...r.peakLoads]
      .sort((a, b) => `${a.endpointName}/${a.variantName}`.localeCompare(`${b.endpointName}/${b.variantName}`))
      .map(
        (l) =>
          `    ${l.endpointName}/${l.variantName}: ${l.peakLoadPerInstance.toFixed(1)} of ${l.peakCapacityPerInstance ?? l.capacityPerInstance} ` +
          `on ${l.peakInstances} × ${l.peakInstanceType ?? 'serverless'}, ${l.requests} requests, ${l.shedRequests} shed`,
      ),
  ];
  return lines.join('\n');
}

/** Goal of issue 16 (a benchmark goal, not a test assertion): median seconds from a worker kill to each running pipeline's next step. */
export const RECOVERY_GOAL_SECONDS = 15;

function formatRecoveries(r: CampaignReport): string[] {
  const f = (x?: number) => (x === undefined ? '-' : `${x.toFixed(1)}s`);
  const lines = [
    "  recovery after worker SIGKILLs (seconds from the kill, or from a timer due later, to each running pipeline's next step on the new worker):",
  ];
  r.killRecoveries.forEach((k, n) => {
    lines.push(
      `    kill ${n + 1} at ${k.atSeconds.toFixed(1)}s (new worker polling after ${k.workerReadySeconds.toFixed(1)}s): ${k.affected.length} pipelines, median ${f(k.medianSeconds)}, max ${f(k.maxSeconds)}`,
    );
    for (const a of k.affected)
      lines.push(
        `      ${a.endpoint}: ${a.seconds === undefined ? 'NO STEP' : f(a.seconds)} (${a.nextStep ?? '-'}` +
          `${a.timerDueSeconds !== undefined ? `; timer due ${a.timerDueSeconds.toFixed(1)}s after the kill` : ''}${a.serverRestartBetween ? '; server restarted meanwhile' : ''})`,
      );
  });
  const n = r.killRecoveries.reduce((a, k) => a + k.affected.length, 0);
  const met = r.recoveryMedianSeconds !== undefined && r.recoveryMedianSeconds <= RECOVERY_GOAL_SECONDS;
  lines.push(
    `    overall: ${r.killRecoveries.length} kills, ${n} pipeline recoveries, median ${f(r.recoveryMedianSeconds)}, max ${f(r.recoveryMaxSeconds)}; ` +
      `goal median <= ${RECOVERY_GOAL_SECONDS}s: ${r.recoveryMedianSeconds === undefined ? 'no figure' : met ? 'met' : 'NOT met'}`,
  );
  if (r.noStepAfterKill.length) lines.push(`    no step after the kill: ${r.noStepAfterKill.join(', ')}`);
  return lines;
}
