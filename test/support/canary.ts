/** Canary fixtures: an endpoint serving v1 with v2 registered, the test input, and what a rollback leaves. */
import assert from 'node:assert/strict';
import { CreateModelPackageCommand, DescribeEndpointCommand } from '@aws-sdk/client-sagemaker';
import type { CanaryInput } from '../../src/domain/canary/input';
import type { CanaryStatus } from '../../src/domain/canary/status';
import { endpointWorkflowId } from '../../src/domain/names';
import { describeEndpoint, resourcesNamed } from '../../src/inventory';
import { canaryRollout } from '../../src/workflows/canary';
import { deployModel } from '../../src/workflows/deploy';
import { image, modelData, ROLE } from './fixtures';
import { uniqueName, type Harness } from './harness';

export { image, ROLE };

/** An endpoint serving v1 of a model (deployed by modelship), traffic flowing, and v2 registered and Approved. */
export async function endpointWithNewVersion(h: Harness, prefix: string, rps = 200) {
  const endpointName = uniqueName(prefix);
  const model = uniqueName('m');
  const v1 = await h.client.workflow.execute(deployModel, {
    taskQueue: h.taskQueue,
    workflowId: endpointWorkflowId(endpointName),
    args: [
      {
        endpointName,
        model: { name: model, image: image(model, 'v1'), modelDataUrl: modelData(model, 'v1') },
        executionRoleArn: ROLE,
        instanceType: 'ml.m5.large',
        instanceCount: 2,
        autoApprove: true,
        poll: { min: '100ms', max: '300ms' },
      },
    ],
  });
  await h.aws.sagemaker.send(
    new CreateModelPackageCommand({
      ModelPackageGroupName: model,
      InferenceSpecification: {
        Containers: [{ Image: image(model, 'v2'), ModelDataUrl: modelData(model, 'v2') }],
        SupportedContentTypes: ['application/json'],
        SupportedResponseMIMETypes: ['application/json'],
      },
      ModelApprovalStatus: 'Approved',
      ModelLifeCycle: { Stage: 'Staging', StageStatus: 'Registered' },
    }),
  );
  const trafficStartedAt = rps > 0 ? h.emulator.control.startTraffic({ endpointName, rps }).startedAt : undefined;
  return { endpointName, model, v1, canaryImage: image(model, 'v2'), trafficStartedAt };
}

/**
 * Waits until traffic started at `startedAt` has filled a whole `windowMs` (plus a margin). The autoscaling
 * simulation divides what it finds in its window by the whole window, so a variant autoscaled sooner reads
 * a fraction of its real rate and is scaled in before the rollout under test starts.
 */
export async function untilTrafficFillsWindow(startedAt: number | undefined, windowMs: number): Promise<void> {
  assert.ok(startedAt !== undefined, 'no traffic was started');
  const wait = startedAt + windowMs + 500 - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
}

export function canaryInput(endpointName: string, model: string, extra: Partial<CanaryInput> = {}): CanaryInput {
  return {
    endpointName,
    model: { name: model, version: 2 },
    executionRoleArn: ROLE,
    steps: [10, 50, 100],
    bake: '1500ms',
    gate: { minInvocations: 5, metricPeriod: '1s', maxErrorRate: 0.05 },
    poll: { min: '100ms', max: '300ms' },
    ...extra,
  };
}

export function startCanary(h: Harness, input: CanaryInput) {
  return h.client.workflow.start(canaryRollout, { taskQueue: h.taskQueue, workflowId: endpointWorkflowId(input.endpointName), args: [input] });
}

export const phaseIs = (phase: CanaryStatus['phase'], weight?: number) => (s: CanaryStatus) =>
  s.phase === phase && (weight === undefined || s.canaryWeight === weight);

/** The endpoint is back where it started: one variant on v1's config, nothing of v2 left. */
export async function assertRestored(h: Harness, endpointName: string, model: string, v1Config: string) {
  const ep = await describeEndpoint(h.aws.sagemaker, endpointName);
  assert.equal(ep.EndpointStatus, 'InService');
  assert.equal(ep.EndpointConfigName, v1Config);
  assert.deepEqual(
    ep.ProductionVariants?.map((v) => v.VariantName),
    ['AllTraffic'],
  );
  assert.deepEqual(await resourcesNamed(h.aws.sagemaker, `${model}-v2`), { models: [], endpointConfigs: [], endpoints: [] });
  assert.deepEqual((await resourcesNamed(h.aws.sagemaker, endpointName)).endpointConfigs, [v1Config]);
}

export interface EndpointSample {
  status: string;
  config?: string;
  variants: Array<{ name: string; weight: number; instances: number; desired: number }>;
}

/** Reads DescribeEndpoint every 50 ms until stopped: what the endpoint really served, step by step. */
export function sampleEndpoint(h: Harness, endpointName: string) {
  const samples: EndpointSample[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const ep = await h.aws.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpointName }));
      samples.push({
        status: ep.EndpointStatus!,
        config: ep.EndpointConfigName,
        variants: (ep.ProductionVariants ?? []).map((v) => ({
          name: v.VariantName!,
          weight: v.CurrentWeight ?? 0,
          instances: v.CurrentInstanceCount ?? 0,
          desired: v.DesiredInstanceCount ?? 0,
        })),
      });
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return {
    samples,
    async stop() {
      running = false;
      await loop;
      return samples;
    },
  };
}

/** Share (%) of the traffic a variant takes in a sample: weights are relative. */
export function share(s: EndpointSample, name: string): number {
  const total = s.variants.reduce((a, v) => a + v.weight, 0);
  const v = s.variants.find((x) => x.name === name);
  return total > 0 && v ? (100 * v.weight) / total : 0;
}
