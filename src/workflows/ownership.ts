import * as wf from '@temporalio/workflow';
import type { Activities } from '../activities';
import { failure, FAILURE } from '../domain/failures';
import { inheritTags, OWNERSHIP_TAGS, type CreatedResource, type Owner } from '../domain/ownership';

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
        `(${OWNERSHIP_TAGS.endpoint}); refusing to use it, and leaving it alone`,
    );
  }
}

/**
 * The config-level members for a config made from `originalConfig` (update's new config, canary's ramp and
 * final configs, deploy's config onto an existing endpoint), with the original's user tags added: newer runs
 * read them with ListTags (DescribeEndpointConfig returns none), older histories replay without that step.
 * The caller's own Tags win; `aws:` and `modelship:` tags are not carried (userTags).
 */
export async function withOriginalTags<T extends Record<string, unknown> | undefined>(
  aws: wf.ActivityInterfaceFor<Activities>,
  extra: T,
  originalConfig: string,
): Promise<T | Record<string, unknown>> {
  if (!wf.patched('config-keeps-user-tags')) return extra;
  return inheritTags(extra, await aws.endpointConfigUserTags(originalConfig));
}
