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

/**
 * The tags of a resource that its users set: without `aws:` ones (AWS reserves the prefix and sets them
 * itself; a create that names one is refused, "Do not use aws: ... as a prefix for keys as it is reserved for
 * AWS use", https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html) and without modelship's own
 * (`modelship:*`: ownership and model-use tags say who made that resource and which models it names; a new
 * resource gets its own).
 */
export function userTags(tags: Tag[]): Tag[] {
  return tags.filter((t) => !/^(aws|modelship):/i.test(t.Key));
}

/**
 * `extra` (CreateEndpointConfig members) with `inherited` tags added to its Tags: the ones it does not set
 * itself (a key the caller gives wins). `extra` unchanged when nothing is inherited.
 */
export function inheritTags<T extends Record<string, unknown> | undefined>(extra: T, inherited: Tag[]): T | Record<string, unknown> {
  if (!inherited.length) return extra;
  const own = (extra?.Tags as Tag[] | undefined) ?? [];
  return { ...extra, Tags: [...inherited.filter((t) => !own.some((o) => o.Key === t.Key)), ...own] };
}
