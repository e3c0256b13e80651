/**
 * Ownership tags: every model, endpoint config and endpoint modelship creates carries the endpoint it was
 * made for and the workflow run that made it. Undo and cleanup read them back (ListTags) and touch only
 * what they say is ours, never deciding by name: a name can be taken by anyone.
 * https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ListTags.html
 */
export const OWNERSHIP_TAGS = { endpoint: 'modelship:endpoint', run: 'modelship:run' } as const;

export interface Tag {
  Key: string;
  Value: string;
}

/** Who a resource is made for: the endpoint, and the run (workflow run id) that creates it. */
export interface Owner {
  endpoint: string;
  run: string;
}

/** What a create activity found: it made the resource, it was already ours (a retried create), or not ours. */
export type CreateOutcome = 'created' | 'already-ours' | 'foreign';

export interface CreatedResource {
  arn: string;
  outcome: CreateOutcome;
}

/** `tags` with the ownership tags set (any caller-given `modelship:*` values for them replaced). */
export function withOwnershipTags(tags: Tag[] | undefined, owner: Owner | undefined): Tag[] | undefined {
  if (!owner) return tags;
  const keep = (tags ?? []).filter((t) => t.Key !== OWNERSHIP_TAGS.endpoint && t.Key !== OWNERSHIP_TAGS.run);
  return [...keep, { Key: OWNERSHIP_TAGS.endpoint, Value: owner.endpoint }, { Key: OWNERSHIP_TAGS.run, Value: owner.run }];
}

/**
 * Whether `tags` say `owner.endpoint` owns the resource, and, with `sameRun`, that `owner.run` made it
 * (what an undo needs: a resource an earlier run made is not this run's to remove).
 */
export function isOwnedBy(tags: Tag[], owner: Owner, o: { sameRun: boolean }): boolean {
  const value = (k: string) => tags.find((t) => t.Key === k)?.Value;
  return value(OWNERSHIP_TAGS.endpoint) === owner.endpoint && (!o.sameRun || value(OWNERSHIP_TAGS.run) === owner.run);
}
