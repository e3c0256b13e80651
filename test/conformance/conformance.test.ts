/**
 * Request conformance against AWS's published service models (botocore, vendored): for every operation
 * the emulator serves (from its own dispatch table), a valid request built from the model's input shape
 * is accepted, and every invalid variant of it (missing required member, too long, too short, pattern
 * mismatch, unknown enum value, out of range, too few / too many items) is refused with AWS's validation
 * error naming the member. All requests go through the real @aws-sdk v3 clients, which validate nothing
 * client-side.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as sagemaker from '@aws-sdk/client-sagemaker';
import * as autoscaling from '@aws-sdk/client-application-auto-scaling';
import * as cloudwatch from '@aws-sdk/client-cloudwatch';
import * as runtime from '@aws-sdk/client-sagemaker-runtime';
import * as tagging from '@aws-sdk/client-resource-groups-tagging-api';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmulator, type Emulator } from '../../src/emulator';
import { readRecordings } from '../../src/emulator/recorder';
import { REGION, TEST_CREDENTIALS as credentials } from '../support/fixtures';
import { checkResponses } from './responses';
import { implementedOperations, type ImplementedOperation } from './model';
import { invalidRequests, validValue, SAMPLES, type InvalidRequest } from './requests';
import { DEVIATIONS, deviationFor } from './deviations';
import { checkTable } from './table';

let emu: Emulator;
// This emulator records into a directory of its own, so that the table's response counts are this test's alone.
const recordDir = mkdtempSync(path.join(tmpdir(), 'modelship-conformance-'));
type Sender = { send(command: unknown): Promise<unknown>; destroy(): void };
let clients: Record<string, { client: Sender; module: Record<string, unknown> }>;

before(async () => {
  emu = await startEmulator({ recordResponsesTo: recordDir, timings: { endpointCreateMs: 1, endpointUpdateMs: 1, endpointDeleteMs: 1, weightsUpdateMs: 1 } });
  const common = { endpoint: emu.url, region: REGION, credentials, maxAttempts: 1 };
  clients = {
    SageMaker: { client: new sagemaker.SageMakerClient(common) as Sender, module: sagemaker },
    AnyScaleFrontendService: { client: new autoscaling.ApplicationAutoScalingClient(common) as Sender, module: autoscaling },
    GraniteServiceVersion20100801: { client: new cloudwatch.CloudWatchClient(common) as Sender, module: cloudwatch },
    SageMakerRuntime: { client: new runtime.SageMakerRuntimeClient(common) as Sender, module: runtime },
    ResourceGroupsTaggingAPI_20170126: { client: new tagging.ResourceGroupsTaggingAPIClient(common) as Sender, module: tagging },
  };
});
after(async () => {
  for (const { client } of Object.values(clients ?? {})) client.destroy();
  await emu?.close();
  rmSync(recordDir, { recursive: true, force: true });
});

type Outcome = { ok: true } | { ok: false; code: string; message: string; status?: number };

async function send(op: ImplementedOperation, input: Record<string, unknown>): Promise<Outcome> {
  const { client, module } = clients[op.targetPrefix]!;
  const Command = module[`${op.name}Command`] as new (input: unknown) => unknown;
  try {
    await client.send(new Command(input));
    return { ok: true };
  } catch (e) {
    const err = e as Error & { $metadata?: { httpStatusCode?: number } };
    return { ok: false, code: err.name, message: err.message, status: err.$metadata?.httpStatusCode };
  }
}

/** AWS JSON 1.0/1.1 wire encoding: timestamps as epoch seconds, blobs as base64. */
function wire(value: unknown): unknown {
  if (value instanceof Date) return value.getTime() / 1000;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(wire);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, wire(v)]));
  return value;
}

/**
 * The same request sent without the SDK, for members the installed SDK version does not know yet (it
 * drops them silently): POST with `x-amz-target`, correctly encoded.
 */
async function sendRaw(op: ImplementedOperation, input: Record<string, unknown>): Promise<Outcome> {
  const contentType = `application/x-amz-json-${op.model.metadata.jsonVersion}`;
  const res = await fetch(emu.url, { method: 'POST', headers: { 'content-type': contentType, 'x-amz-target': op.id }, body: JSON.stringify(wire(input)) });
  const body = (await res.json()) as { __type?: string; message?: string };
  if (res.ok) return { ok: true };
  return { ok: false, code: body.__type ?? '?', message: body.message ?? '', status: res.status };
}

/** The resources the SAMPLES name, so that valid requests reach the emulator's semantics. */
async function fixture(): Promise<void> {
  emu.control.reset();
  const sm = clients.SageMaker!.client;
  const aas = clients.AnyScaleFrontendService!.client;
  const cw = clients.GraniteServiceVersion20100801!.client;
  await sm.send(
    new sagemaker.CreateModelCommand({
      ModelName: 'conf-model',
      ExecutionRoleArn: SAMPLES.ExecutionRoleArn as string,
      PrimaryContainer: { Image: SAMPLES.Image as string },
    }),
  );
  await sm.send(
    new sagemaker.CreateEndpointConfigCommand({
      EndpointConfigName: 'conf-config',
      ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: 'conf-model', InstanceType: 'ml.m5.large', InitialInstanceCount: 1 }],
    }),
  );
  await sm.send(
    new sagemaker.CreateEndpointConfigCommand({
      EndpointConfigName: 'conf-config-2',
      ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: 'conf-model', InstanceType: 'ml.m5.large', InitialInstanceCount: 1 }],
    }),
  );
  await sm.send(new sagemaker.CreateEndpointCommand({ EndpointName: 'conf-endpoint', EndpointConfigName: 'conf-config' }));
  // Waits on the emulator's state rather than polling DescribeEndpoint, so that every run records the same responses.
  for (let i = 0; emu.state.endpoints.get('conf-endpoint')?.status !== 'InService'; i++) {
    if (i > 400) throw new Error(`fixture endpoint is ${emu.state.endpoints.get('conf-endpoint')?.status}`);
    await new Promise((r) => setTimeout(r, 5));
  }
  await sm.send(new sagemaker.CreateModelPackageGroupCommand({ ModelPackageGroupName: 'conf-group' }));
  await sm.send(
    new sagemaker.CreateModelPackageCommand({
      ModelPackageGroupName: 'conf-group',
      InferenceSpecification: {
        Containers: [{ Image: SAMPLES.Image as string }],
        SupportedContentTypes: ['application/json'],
        SupportedResponseMIMETypes: ['application/json'],
      },
    }),
  );
  const target = {
    ServiceNamespace: 'sagemaker',
    ResourceId: SAMPLES.ResourceId as string,
    ScalableDimension: 'sagemaker:variant:DesiredInstanceCount',
  } as const;
  await aas.send(new autoscaling.RegisterScalableTargetCommand({ ...target, MinCapacity: 1, MaxCapacity: 2 }));
  await aas.send(
    new autoscaling.PutScalingPolicyCommand({
      ...target,
      PolicyName: 'conf-policy',
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: {
        TargetValue: 70,
        PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerVariantInvocationsPerInstance' },
      },
    }),
  );
  await cw.send(
    new cloudwatch.PutMetricAlarmCommand({
      AlarmName: 'conf-alarm',
      Namespace: 'AWS/SageMaker',
      MetricName: 'Invocations',
      Statistic: 'Sum',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanThreshold',
    }),
  );
}

/** Codes an invalid request may get: AWS's validation error of the protocol (and CloudWatch's modeled parameter errors). */
function validationCodes(op: ImplementedOperation): string[] {
  if (op.targetPrefix === 'GraniteServiceVersion20100801') {
    return ['ValidationException', 'InvalidParameterValueException', 'MissingRequiredParameterException', 'InvalidParameterCombinationException'];
  }
  if (op.targetPrefix === 'SageMakerRuntime') return ['ValidationError'];
  return ['ValidationException'];
}

/** A refusal by input validation: SerializationException, or a validation code with AWS's constraint text. */
function isInputRejection(op: ImplementedOperation, outcome: Outcome): boolean {
  if (outcome.ok) return false;
  if (outcome.code === 'SerializationException') return true;
  return validationCodes(op).includes(outcome.code) && /failed to satisfy constraint|is required|must not be null/i.test(outcome.message);
}

function namesMember(op: ImplementedOperation, message: string, bad: InvalidRequest): boolean {
  const text = message.toLowerCase();
  if (text.includes(`'${bad.path.toLowerCase()}'`)) return true;
  // CloudWatch's parameter errors name the member as the query API spells it (`The parameter MetricName is required.`).
  return op.targetPrefix === 'GraniteServiceVersion20100801' && new RegExp(`\\b${bad.member}\\b`, 'i').test(message);
}

const operations = implementedOperations();
const counts: Record<string, number> = {};
const rawCounts: Record<string, number> = {};
const responseCounts: Record<string, number> = {};

for (const op of operations) {
  test(`${op.id} requests conform to the ${op.model.name} model`, async () => {
    await fixture();
    const inputShape = op.operation.input!.shape;
    const valid = validValue(op.model, inputShape, '', Date.now()) as Record<string, unknown>;
    const minimal = validValue(op.model, inputShape, '', Date.now(), [], true) as Record<string, unknown>;
    const problems: string[] = [];
    let raw = 0;
    // Two valid requests: only the required members (the fixture's names), then every member.
    for (const [kind, input] of [
      ['minimal', minimal],
      ['full', valid],
    ] as const) {
      let outcome = await send(op, input);
      if (op.targetPrefix !== 'SageMakerRuntime' && !isInputRejection(op, outcome)) {
        outcome = await sendRaw(op, input);
        raw++;
      }
      if (isInputRejection(op, outcome) && !deviationFor(op.id, 'valid', kind)) {
        problems.push(`valid ${kind} request refused: ${(outcome as { code: string }).code}: ${(outcome as { message: string }).message}`);
      }
    }
    let checked = 2;
    for (const bad of invalidRequests(op.model, inputShape, valid)) {
      if (deviationFor(op.id, bad.constraint, bad.path)) continue;
      checked++;
      let outcome = await send(op, bad.input);
      // A member the installed SDK does not know is dropped before it reaches the wire: send it raw.
      if (op.targetPrefix !== 'SageMakerRuntime' && !isInputRejection(op, outcome)) {
        outcome = await sendRaw(op, bad.input);
        raw++;
      }
      // The runtime SDK refuses a request without its URI label (EndpointName) client-side: nothing reaches the wire.
      if (!outcome.ok && outcome.status === undefined && bad.constraint === 'required' && /HTTP label/.test(outcome.message)) continue;
      if (outcome.ok) problems.push(`${bad.constraint} ${bad.path}: accepted`);
      else if (!validationCodes(op).includes(outcome.code)) problems.push(`${bad.constraint} ${bad.path}: ${outcome.code} (${outcome.message.slice(0, 120)})`);
      else if (!namesMember(op, outcome.message, bad))
        problems.push(`${bad.constraint} ${bad.path}: message does not name the member: ${outcome.message.slice(0, 200)}`);
    }
    counts[op.id] = checked;
    rawCounts[op.id] = raw;
    assert.deepEqual(problems, [], `${op.id}: ${problems.length} deviations from the model`);
  });
}

test('every deviation names an implemented operation', () => {
  const ids = new Set(operations.map((o) => o.id));
  assert.deepEqual(
    DEVIATIONS.filter((d) => !ids.has(d.operation)),
    [],
  );
});

test('every response and error of these requests conforms to the model', () => {
  const { counts: responses, problems } = checkResponses(readRecordings(recordDir), operations);
  for (const op of operations) responseCounts[op.id] = responses.get(op.id) ?? 0;
  assert.deepEqual(problems, []);
});

test('the conformance table in docs/emulator.md is up to date', () => {
  checkTable(operations, counts, responseCounts, rawCounts);
});
