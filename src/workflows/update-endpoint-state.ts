import { upsertSearchAttributes } from '@temporalio/workflow';
import type { VariantScaling } from '../domain/endpoint';
import { SEARCH_ATTRIBUTES } from '../domain/search-attributes';
import type { ScalingState, UpdateStatus, UpdateStep } from '../domain/update/status';
import type { UpdatePlan } from '../domain/update/plan';
import type { UpdateRequest } from '../domain/update/input';

/**
 * The update pipeline's state: what the `status` query returns. The scaling snapshot lives here (it came
 * from an activity result, so it is in the workflow history): a worker that dies after deregistering the
 * targets is replaced by one that still knows exactly what to put back.
 */
export class UpdateState {
  readonly status: UpdateStatus;

  constructor(req: UpdateRequest) {
    this.status = { step: 'validating', endpointName: req.endpointName, scaling: 'untouched', created: [] };
    upsertSearchAttributes([
      { key: SEARCH_ATTRIBUTES.endpoint, value: req.endpointName },
      { key: SEARCH_ATTRIBUTES.pipeline, value: 'update' },
      { key: SEARCH_ATTRIBUTES.step, value: 'validating' },
    ]);
  }

  step(step: UpdateStep): void {
    this.status.step = step;
    upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.step, value: step }]);
  }

  planned(plan: UpdatePlan): void {
    this.status.plan = plan;
  }

  snapshotTaken(snapshot: VariantScaling[]): void {
    this.status.snapshot = snapshot;
  }

  scaling(scaling: ScalingState): void {
    this.status.scaling = scaling;
  }

  created(name: string): void {
    this.status.created.push({ kind: 'endpoint-config', name });
  }

  failed(error: string): void {
    this.status.error = error;
    this.step('failed');
  }
}
