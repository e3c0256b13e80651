import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { inRequestOrder, modelUseTags, planCleanup, type CleanupFacts } from '../../src/domain/cleanup';

const ours = [{ Key: 'modelship:endpoint', Value: 'churn' }];
const theirs = [{ Key: 'modelship:endpoint', Value: 'churn-prod' }];

const facts = (over: Partial<CleanupFacts>): CleanupFacts => ({ endpointName: 'churn', inUse: [], inUseModels: [], candidates: [], modelUsers: {}, ...over });

describe('cleanup plan (ownership tags decide, never names)', () => {
  it('deletes only what the tags give this endpoint, never what it serves or the run keeps', () => {
    const plan = planCleanup(
      { endpointName: 'churn', scope: { kind: 'superseded', configs: ['churn-v1', 'churn-prod-manual', 'churn-v3'] }, keep: ['churn-v3'] },
      facts({
        inUse: ['churn-v2'],
        inUseModels: ['churn-v2-model'],
        candidates: [
          { kind: 'endpoint-config', name: 'churn-v1', tags: ours, models: ['m1'] },
          { kind: 'endpoint-config', name: 'churn-prod-manual', tags: [], models: ['manual'] },
          { kind: 'endpoint-config', name: 'churn-v3', tags: ours, models: ['m3'] },
          { kind: 'endpoint-config', name: 'churn-v2', tags: ours, models: ['churn-v2-model'] },
          { kind: 'model', name: 'm1', tags: ours },
          { kind: 'model', name: 'manual', tags: [] },
          { kind: 'model', name: 'm3', tags: ours },
          { kind: 'model', name: 'churn-v2-model', tags: ours },
        ],
      }),
    );
    assert.deepEqual(plan.deleteConfigs, ['churn-v1']);
    assert.deepEqual(plan.deleteModels, ['m1']);
    assert.deepEqual(
      plan.kept.map((k) => `${k.name}: ${k.reason}`),
      [
        'churn-prod-manual: its tags do not say endpoint churn owns it (modelship:endpoint)',
        'churn-v2: endpoint churn uses it',
        'churn-v3: this run leaves it serving',
        'churn-v2-model: endpoint config churn-v2 uses it',
        'm3: endpoint config churn-v3 uses it',
        'manual: endpoint config churn-prod-manual uses it',
      ],
    );
  });

  it('keeps a model that another endpoint’s config names (found by its model-use tag, ARN-cased)', () => {
    const plan = planCleanup(
      { endpointName: 'churn', scope: { kind: 'owned' } },
      facts({
        candidates: [
          { kind: 'endpoint-config', name: 'churn-v1', tags: ours, models: ['Shared-v1'] },
          { kind: 'model', name: 'Shared-v1', tags: ours },
        ],
        modelUsers: { 'Shared-v1': ['churn-v1', 'churn-prod-v1'] },
      }),
    );
    assert.deepEqual([plan.deleteConfigs, plan.deleteModels], [['churn-v1'], []]);
    assert.deepEqual(plan.kept, [{ kind: 'model', name: 'Shared-v1', reason: 'endpoint config churn-prod-v1 uses it' }]);
  });

  it('a model whose owning endpoint is gone passes to the endpoint still naming it; a live owner keeps it', () => {
    const candidates = (ownerGone?: string) => [
      { kind: 'endpoint-config' as const, name: 'churn-v1', tags: ours, models: ['m1'] },
      { kind: 'model' as const, name: 'm1', tags: theirs, ...(ownerGone ? { ownerGone } : {}) },
    ];
    assert.deepEqual(planCleanup({ endpointName: 'churn', scope: { kind: 'owned' } }, facts({ candidates: candidates('churn-prod') })).deleteModels, ['m1']);
    assert.deepEqual(planCleanup({ endpointName: 'churn', scope: { kind: 'owned' } }, facts({ candidates: candidates() })).deleteModels, []);
  });

  it('model-use tags: one per distinct model, keys within AWS’s 128 characters', () => {
    const tags = modelUseTags(['b', 'a', 'b', 'x'.repeat(63)]);
    assert.deepEqual(tags.map((t) => t.Key).slice(0, 2), ['modelship:model:a', 'modelship:model:b']);
    assert.ok(tags.every((t) => t.Key.length <= 128));
  });

  it('reports what was deleted in the request’s order (configs, then models), whatever the names sort to, then anything else', () => {
    const req = { endpointName: 'churn', scope: { kind: 'superseded' as const, configs: ['churn-canary-v2-x', 'churn-a1'], models: ['churn-v1'] } };
    // planCleanup deletes in name order; the run and its plan report the canary's order.
    assert.deepEqual(inRequestOrder(req, ['churn-a1', 'churn-canary-v2-x'], ['churn-v1']), ['churn-canary-v2-x', 'churn-a1', 'churn-v1']);
    assert.deepEqual(inRequestOrder(req, ['churn-canary-v2-x'], []), ['churn-canary-v2-x'], 'only what was really deleted');
    assert.deepEqual(inRequestOrder(req, ['churn-a1'], ['extra-model', 'churn-v1']), ['churn-a1', 'churn-v1', 'extra-model']);
    // A config and a model may share a name: both are reported.
    assert.deepEqual(inRequestOrder({ ...req, scope: { ...req.scope, models: ['churn-a1'] } }, ['churn-a1'], ['churn-a1']), ['churn-a1', 'churn-a1']);
  });
});
