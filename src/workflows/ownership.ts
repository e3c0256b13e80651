import * as wf from '@temporalio/workflow';
import { failure, FAILURE } from '../domain/failures';
import { OWNERSHIP_TAGS, type CreatedResource, type Owner } from '../domain/ownership';

/**
 * The owner this run tags onto what it creates: the endpoint and this workflow run's id. Pass it to the
 * create activities (createModel's `owner`, createEndpointConfig's and createEndpoint's last argument)
 * and to the `…IfOwned` undo activities, which delete only what these tags say this run made.
 */
export function runOwner(endpointName: string): Owner {
  return { endpoint: endpointName, run: wf.workflowInfo().runId };
}

/**
 * A create that found the name taken by a resource whose tags do not say this endpoint owns it refuses to
 * build on it: someone else may change or delete it, and it is not ours to undo. (Older histories
 * recorded a bare ARN string here, which is never `foreign`.)
 */
export function requireOurs(created: CreatedResource | string | undefined, what: string, owner: Owner): void {
  if (typeof created === 'object' && created?.outcome === 'foreign') {
    throw failure(
      FAILURE.ResourceConflict,
      `${what} already exists and its tags do not say modelship made it for endpoint ${owner.endpoint} ` +
        `(${OWNERSHIP_TAGS.endpoint}); refusing to use it, and leaving it alone`
    );
  }
}
