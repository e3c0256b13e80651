/**
 * Replay test: the recorded histories of real runs (test/replay/histories, see scripts/record-histories.ts)
 * are replayed against the workflow code as it is now. A change that would break workflows already
 * running (a different sequence of commands) fails here instead of in production. Needs no server.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as proto from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root';
import { DeterminismViolationError } from '@temporalio/workflow';
import { bundleWorkflowCode, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';

const DIR = path.join(__dirname, 'histories');
/** Every workflow kind must have recorded runs; a new workflow type needs fixtures before it ships. */
const KINDS = ['deployModel', 'canaryRollout', 'updateSageMakerEndpoint', 'deleteSageMakerEndpoint', 'scheduledRollout', 'scheduledPromote'];

interface Fixture {
  name: string;
  json: { events: Array<{ eventType: string; workflowExecutionStartedEventAttributes?: { workflowType?: { name?: string } } }> };
}

const fixtures: Fixture[] = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => ({ name: f.replace(/\.json$/, ''), json: JSON.parse(readFileSync(path.join(DIR, f), 'utf8')) }));

/**
 * JSON history (as `temporal workflow show --output json` writes it) to a History object. The SDK's
 * historyFromJSON does the same, but in this dependency tree @temporalio/common and @temporalio/proto each
 * carry their own protobufjs copy and it fails ("type must be a Type"), so the proto package's copy is
 * used for both the type and the parser.
 */
const protoDir = path.dirname(require.resolve('@temporalio/proto/package.json'));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { fromJson } = require(require.resolve('protobufjs/ext/protojson', { paths: [protoDir] })) as {
  fromJson(type: unknown, json: unknown, options: unknown): unknown;
};
const historyType = (patchProtobufRoot(proto) as unknown as { lookupType(name: string): unknown }).lookupType('temporal.api.history.v1.History');
function historyFromJSON(json: unknown): proto.temporal.api.history.v1.IHistory {
  return fromJson(historyType, json, { ignoreUnknownFields: true }) as proto.temporal.api.history.v1.IHistory;
}

const typeOf = (f: Fixture) => f.json.events[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name;
const closedWith = (f: Fixture) => f.json.events.at(-1)?.eventType;

let bundle: WorkflowBundleWithSourceMap;
before(async () => {
  const noop = () => undefined;
  bundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../src/workflows'),
    logger: { trace: noop, debug: noop, info: noop, warn: noop, error: console.error, log: noop },
  });
});

function replayOptions() {
  return { workflowBundle: bundle, replayName: 'modelship-replay-test' };
}

describe('replaying recorded histories against the current workflow code', () => {
  it('has closed runs of every workflow kind, succeeded and failed', () => {
    assert.ok(fixtures.length >= 6, `only ${fixtures.length} fixtures`);
    for (const kind of KINDS)
      assert.ok(
        fixtures.some((f) => typeOf(f) === kind),
        `no recorded ${kind} run`,
      );
    for (const f of fixtures) assert.match(String(closedWith(f)), /WORKFLOW_EXECUTION_(COMPLETED|FAILED)$/, `${f.name} is not a closed run`);
    assert.ok(fixtures.some((f) => /COMPLETED$/.test(String(closedWith(f)))) && fixtures.some((f) => /FAILED$/.test(String(closedWith(f)))));
  });

  it('replays every recorded history without a determinism error', async () => {
    const histories = fixtures.map((f) => ({ workflowId: f.name, history: historyFromJSON(f.json) }));
    const results: Array<{ workflowId: string; error?: Error }> = [];
    for await (const result of Worker.runReplayHistories(replayOptions(), histories)) results.push(result);
    assert.deepEqual(results.map((r) => r.workflowId).sort(), fixtures.map((f) => f.name).sort());
    const failed = results.filter((r) => r.error).map((r) => `${r.workflowId}: ${r.error!.name}: ${r.error!.message}`);
    assert.deepEqual(failed, [], 'histories that the current code cannot replay');
  });

  it('detects a change in what a workflow does (the replay really checks)', async () => {
    // The deploy history, replayed as if its events had come from the delete workflow: a different
    // sequence of commands, which is what an incompatible change to deployModel would produce.
    const deploy = fixtures.find((f) => typeOf(f) === 'deployModel')!;
    const altered = structuredClone(deploy.json);
    altered.events[0].workflowExecutionStartedEventAttributes!.workflowType!.name = 'deleteSageMakerEndpoint';
    await assert.rejects(Worker.runReplayHistory(replayOptions(), historyFromJSON(altered), 'altered'), (err) => err instanceof DeterminismViolationError);
  });
});
