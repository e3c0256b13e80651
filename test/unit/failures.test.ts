import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { exitCodeForFailure, EXIT } from '../../src/cli/exit-codes';
import { FAILURE, FAILURE_TYPES, invalidInput, rolledBack } from '../../src/domain/failures';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('failure catalogue', () => {
  it('names each type by itself', () => {
    for (const [k, v] of Object.entries(FAILURE)) assert.equal(k, v);
    assert.deepEqual(Object.keys(FAILURE).sort(), Object.keys(FAILURE_TYPES).sort());
  });

  it('builds InvalidInput with the issues as details', () => {
    const f = invalidInput('deploy', [{ field: 'endpointName', rule: 'must be 1-63 letters' }]);
    assert.ok(f instanceof ApplicationFailure);
    assert.equal(f.type, 'InvalidInput');
    assert.equal(f.nonRetryable, true);
    assert.equal(f.message, 'invalid deploy input: endpointName: must be 1-63 letters');
    assert.deepEqual(f.details, [{ field: 'endpointName', rule: 'must be 1-63 letters' }]);
  });

  it('builds "rolled back", and RollbackIncomplete when an undo step failed', () => {
    const ok = rolledBack({
      what: 'deploying v2 failed while verifying',
      reason: 'boom',
      rolledBack: ['delete model m'],
      rollbackFailures: [],
      type: FAILURE.DeploymentFailed,
    });
    assert.equal(ok.type, 'DeploymentFailed');
    assert.equal(ok.message, 'deploying v2 failed while verifying: boom. Rolled back: delete model m');
    const bad = rolledBack({
      what: 'x failed',
      reason: 'boom',
      rolledBack: [],
      rollbackFailures: ['delete model m: AccessDenied'],
      type: FAILURE.DeploymentFailed,
      details: { failedAt: 'creating-model' },
    });
    assert.equal(bad.type, 'RollbackIncomplete');
    assert.match(bad.message, /: boom\. ROLLBACK INCOMPLETE, needs an operator: delete model m: AccessDenied$/);
    assert.doesNotMatch(bad.message, /Rolled back/, 'nothing was undone: the message does not claim a rollback');
    assert.deepEqual(bad.details, [{ reason: 'boom', rolledBack: [], rollbackFailures: ['delete model m: AccessDenied'], failedAt: 'creating-model' }]);
  });

  it("builds ConcurrentChange when an undo found another actor's change and left it, RollbackIncomplete when something else failed too", () => {
    const concurrent = ['restore endpoint e to c1: endpoint e is on config theirs'];
    const cc = rolledBack({
      what: 'x failed',
      reason: 'boom',
      rolledBack: ['delete model m'],
      rollbackFailures: [],
      concurrentChanges: concurrent,
      type: FAILURE.UpdateFailed,
    });
    assert.equal(cc.type, 'ConcurrentChange');
    assert.match(cc.message, /ANOTHER ACTOR CHANGED THE ENDPOINT meanwhile; left alone: restore endpoint e to c1: endpoint e is on config theirs$/);
    assert.deepEqual(cc.details, [{ reason: 'boom', rolledBack: ['delete model m'], rollbackFailures: [], concurrentChanges: concurrent }]);
    const both = rolledBack({
      what: 'x failed',
      reason: 'boom',
      rolledBack: [],
      rollbackFailures: ['delete model m: AccessDenied'],
      concurrentChanges: concurrent,
      type: FAILURE.UpdateFailed,
    });
    assert.equal(both.type, 'RollbackIncomplete');
  });

  it('joins a reason that ends with a period (as AWS messages do) without doubling it', () => {
    const f = rolledBack({
      what: 'deleting churn failed while deleting the endpoint',
      reason: 'Could not find endpoint "churn".',
      rolledBack: [],
      rollbackFailures: ['restore autoscaling of AllTraffic: throttled.'],
      type: FAILURE.DeleteFailed,
    });
    assert.doesNotMatch(f.message, /\.\./, f.message);
    assert.match(f.message, /Could not find endpoint "churn"\. ROLLBACK INCOMPLETE, needs an operator: restore autoscaling of AllTraffic: throttled\.$/);
  });

  it('maps failure types to the exit codes the README documents', () => {
    assert.equal(exitCodeForFailure('InvalidInput'), EXIT.invalidInput);
    assert.equal(exitCodeForFailure('RollbackIncomplete'), EXIT.rollbackIncomplete);
    assert.equal(exitCodeForFailure('InfrastructureFailed'), EXIT.infrastructure);
    for (const t of ['GateFailed', 'DeploymentFailed', 'Aborted', 'ConcurrentChange', 'ModelRefUnresolved', 'CancelledFailure', undefined]) {
      assert.equal(exitCodeForFailure(t), EXIT.pipelineFailed, String(t));
    }
  });

  it('is the only place failure type names are spelled out in the pipelines', () => {
    const names = Object.keys(FAILURE_TYPES);
    const literal = new RegExp(`['"\`](${names.join('|')})['"\`]`);
    const offenders: string[] = [];
    for (const dir of ['src/workflows', 'src/activities', 'src/domain', 'src/plan', 'src/cli']) {
      for (const file of sources(dir)) {
        if (file.endsWith('domain/failures.ts')) continue;
        readFileSync(file, 'utf8')
          .split('\n')
          .forEach((line, i) => {
            // Comments may name types; `status: 'DeploymentFailed'` is a registry stage status, not a failure.
            if (/^\s*(\*|\/\/)/.test(line) || /status: '/.test(line)) return;
            if (literal.test(line)) offenders.push(`${file}:${i + 1}: ${line.trim()}`);
          });
      }
    }
    assert.deepEqual(offenders, []);
  });
});
