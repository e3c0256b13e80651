/**
 * Short AWS calls as local activities (patch `local-activities`, docs/activity-execution.md): what a new run
 * records, what `modelship status` still shows of a call that keeps failing, and the rate limiter.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DescribeEndpointCommand } from '@aws-sdk/client-sagemaker';
import { CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { temporal } from '@temporalio/proto';
import { createAwsClients, destroyAwsClients } from '../../src/aws';
import { retryingActivities } from '../../src/cli/status-lines';
import { endpointWorkflowId } from '../../src/domain/names';
import { deployModel } from '../../src/workflows/deploy';
import { deployInput } from '../support/deploy';
import { createHarness, eventually, TEST_CREDENTIALS, uniqueName, type Harness } from '../support/harness';

let h: Harness;
before(async () => {
  h = await createHarness();
});
after(async () => h?.close());

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** Every payload of a marker's details, decoded as text (patch ids, local activity types). */
function markerText(e: HistoryEvent): string {
  const details = e.markerRecordedEventAttributes?.details ?? {};
  return Object.values(details)
    .flatMap((p) => p.payloads ?? [])
    .map((p) => Buffer.from(p.data ?? []).toString('utf8'))
    .join('\n');
}

/** An error and its causes, one message each. */
function chain(err: unknown): string {
  const out: string[] = [];
  for (let e: unknown = err; e instanceof Error; e = e.cause) out.push(`${e.constructor.name}: ${e.message}`);
  return out.join(' <- ');
}

/** Deploys a new endpoint to the end and returns the run's history. */
async function deployedHistory(endpoint: string): Promise<HistoryEvent[]> {
  const handle = await h.client.workflow.start(deployModel, {
    workflowId: endpointWorkflowId(endpoint),
    taskQueue: h.taskQueue,
    args: [deployInput(endpoint, `m-${endpoint}`)],
  });
  await handle.result();
  return (await handle.fetchHistory()).events ?? [];
}

const SHORT_CALLS = ['registerModelVersion', 'setModelApproval', 'describeEndpoint', 'createModel', 'createEndpointConfig', 'createEndpoint'];

describe('short AWS calls as local activities', () => {
  it('a new deploy makes its short calls and stage transitions as local activities and its wait as a regular one', async () => {
    const events = await deployedHistory(uniqueName('local'));

    const scheduled = events.map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name).filter((n): n is string => !!n);
    const markers = events.filter((e) => e.markerRecordedEventAttributes).map(markerText);
    assert.ok(
      markers.some((m) => m.includes('local-activities')),
      'the patch marker is recorded',
    );
    for (const call of SHORT_CALLS) {
      assert.ok(!scheduled.includes(call), `${call} is not a regular activity: ${scheduled.join(', ')}`);
      assert.ok(
        markers.some((m) => m.includes(`"${call}"`)),
        `${call} ran as a local activity`,
      );
    }
    // The wait is a regular activity: it completes the task that created the endpoint, so a worker dying
    // in the wait cannot make the checks before the create run again (worker-crash.test.ts).
    assert.deepEqual(scheduled, ['awaitEndpointInService'], 'only the wait is a regular activity');
    // The stage transitions (they list the model's versions) try locally first (patch local-first-calls).
    assert.ok(
      markers.some((m) => m.includes('local-first-calls')),
      'the local-first-calls marker is recorded',
    );
    assert.equal(markers.filter((m) => m.includes('"transitionModelStage"')).length, 2, 'both stage transitions ran locally');
  });

  it('a stage transition slower than its local attempt runs again as the regular activity that heartbeats', async () => {
    const endpoint = uniqueName('local-slow');
    // The first transition's UpdateModelPackage outlasts the local attempt's 5 s; the regular attempt's does not.
    h.emulator.control.setFaults([{ kind: 'latency', operations: ['UpdateModelPackage'], ms: 7000, times: 1 }]);
    try {
      const events = await deployedHistory(endpoint);
      const scheduled = events.map((e) => e.activityTaskScheduledEventAttributes).filter((a) => !!a);
      const transition = scheduled.find((a) => a.activityType?.name === 'transitionModelStage');
      assert.ok(transition, `the timed-out transition ran as a regular activity: ${scheduled.map((a) => a.activityType?.name).join(', ')}`);
      assert.equal(Number(transition.heartbeatTimeout?.seconds), 10, 'with a heartbeat timeout (LONG_CALL)');
    } finally {
      h.emulator.control.setFaults([]);
    }
  });

  it('a short call that keeps failing becomes a regular activity that `status` shows with its last error, and then succeeds', async () => {
    const endpoint = uniqueName('local-fail');
    // 3 local attempts of 3 SDK requests each, then 2 regular attempts: 15 requests fail, the 16th succeeds.
    h.emulator.control.setFaults([{ kind: 'serverError', operations: ['CreateEndpointConfig'], message: 'injected: CreateEndpointConfig is down', times: 15 }]);
    try {
      const handle = await h.client.workflow.start(deployModel, {
        workflowId: endpointWorkflowId(endpoint),
        taskQueue: h.taskQueue,
        args: [deployInput(endpoint, `m-${endpoint}`)],
      });
      const seen = await eventually(
        async () => {
          const desc = await handle.describe();
          return { status: desc.status.name, retrying: retryingActivities(desc.raw.pendingActivities) };
        },
        (r) => r.retrying.length > 0 || r.status !== 'RUNNING',
        60_000,
      );
      const retrying = seen.retrying;
      if (!retrying.length) assert.fail(`the run ended ${seen.status} without showing a retrying call: ${await handle.result().then(JSON.stringify, chain)}`);
      assert.equal(retrying[0]!.activity, 'createEndpointConfig');
      assert.match(retrying[0]!.lastFailure, /injected: CreateEndpointConfig is down/);
      const result = await handle.result();
      assert.equal(result.endpointName, endpoint);
    } finally {
      h.emulator.control.setFaults([]);
    }
  });

  it('a request whose activity attempt is cancelled while it waits on the rate limiter is not sent', async () => {
    // One request per second per operation: the second waits about a second for its turn.
    const clients = createAwsClients({ region: 'us-east-1', endpoint: h.emulator.url, credentials: TEST_CREDENTIALS, maxRequestsPerSecond: 1 });
    const count = () => h.emulator.control.calls().counts['SageMaker.DescribeEndpoint'] ?? 0;
    try {
      const name = uniqueName('limited');
      const describe = () =>
        clients.sagemaker.send(new DescribeEndpointCommand({ EndpointName: name })).then(
          () => undefined,
          (err: unknown) => err,
        );
      const [first, second] = [new MockActivityEnvironment(), new MockActivityEnvironment()];
      const before = count();
      const answered = first.run(describe);
      const waiting = second.run(describe);
      // As a local activity's attempt that times out in the queue (the worker cancels it).
      setTimeout(() => second.cancel('TIMED_OUT'), 200);
      const [firstError, secondError] = await Promise.all([answered, waiting]);
      assert.match(String((firstError as Error)?.name), /ValidationException/, 'the first request was answered (the endpoint does not exist)');
      assert.ok(secondError instanceof CancelledFailure, `the second ends cancelled, got ${String(secondError)}`);
      assert.equal(count() - before, 1, 'only the first request reached AWS');
    } finally {
      destroyAwsClients(clients);
    }
  });
});
