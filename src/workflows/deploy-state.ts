import { upsertSearchAttributes } from '@temporalio/workflow';
import type { ApprovalDecision, CreatedResource, DeployStatus, DeployStep } from '../domain/deploy/status';
import type { DeployRequest } from '../domain/deploy/input';
import { SEARCH_ATTRIBUTES } from '../domain/search-attributes';

/** The deploy pipeline's state: what the `status` query returns and the approval signals change. */
export class DeployState {
  readonly status: DeployStatus;

  constructor(req: DeployRequest) {
    this.status = { step: 'validating', endpointName: req.endpointName, modelName: req.model.name, created: [] };
    upsertSearchAttributes([
      { key: SEARCH_ATTRIBUTES.endpoint, value: req.endpointName },
      { key: SEARCH_ATTRIBUTES.model, value: req.model.name },
      { key: SEARCH_ATTRIBUTES.pipeline, value: 'deploy' },
      { key: SEARCH_ATTRIBUTES.step, value: 'validating' },
    ]);
  }

  step(step: DeployStep): void {
    this.status.step = step;
    upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.step, value: step }]);
  }

  registered(version: number, modelPackageArn: string): void {
    this.status.version = version;
    this.status.modelPackageArn = modelPackageArn;
    this.created({ kind: 'model-package', name: modelPackageArn });
    upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.version, value: String(version) }]);
  }

  created(resource: CreatedResource): void {
    this.status.created.push(resource);
  }

  /** First decision wins; later approve/reject signals are ignored. */
  decide(decision: 'approved' | 'rejected' | 'auto', by: ApprovalDecision = {}): void {
    this.status.approval ??= { decision, by: by.by, reason: by.reason };
  }

  get decided(): boolean {
    return this.status.approval !== undefined;
  }
}
