/** SageMaker AddTags / ListTags / DeleteTags on the resources the emulator holds. */
import { validationError } from './errors';
import { paginate } from './listing';
import type { Operation, RequestContext } from './service';
import type { Tag } from './state';
import { Fields, readTags } from './validation';

// AWS: at most 50 tags per resource.
const MAX_TAGS = 50;

/** The tag list of the resource with this ARN (created on demand for model packages), or undefined. */
function tagsOf(ctx: RequestContext, arn: string): { get(): Tag[]; set(tags: Tag[]): void } | undefined {
  const { state } = ctx;
  const holders: { arn: string; tags: Tag[] }[] = [
    ...state.models.values(),
    ...state.endpointConfigs.values(),
    ...state.endpoints.values(),
    ...state.modelPackageGroups.values(),
  ];
  const holder = holders.find((h) => h.arn === arn);
  if (holder) return { get: () => holder.tags, set: (tags) => (holder.tags = tags) };
  const pkg = state.modelPackages.get(arn);
  if (pkg) return { get: () => pkg.tags ?? [], set: (tags) => (pkg.tags = tags) };
  return undefined;
}

function resourceMissing(arn: string) {
  // The reported text is "Resource does not exist"; the ARN in it is UNCONFIRMED.
  return validationError(`Resource ${arn} does not exist.`);
}

const addTags: Operation = (input, ctx) => {
  const fields = Fields.of(input);
  const arn = fields.string('ResourceArn', { required: true, max: 256 });
  const tags = readTags(fields);
  if (!fields.has('Tags')) fields.violation('Tags', null, 'Member must not be null');
  fields.check();
  const target = tagsOf(ctx, arn!);
  if (!target) throw resourceMissing(arn!);
  const merged = new Map(target.get().map((t) => [t.Key, t.Value]));
  for (const tag of tags) merged.set(tag.Key, tag.Value);
  if (merged.size > MAX_TAGS) throw validationError(`Resource ${arn} cannot have more than ${MAX_TAGS} tags.`);
  target.set([...merged].map(([Key, Value]) => ({ Key, Value })));
  return { Tags: tags };
};

const listTags: Operation = (input, ctx) => {
  const fields = Fields.of(input);
  const arn = fields.string('ResourceArn', { required: true, max: 256 });
  const maxResults = fields.integer('MaxResults', { min: 50 }) ?? 50;
  const nextToken = fields.string('NextToken', { max: 8192 });
  fields.check();
  const target = tagsOf(ctx, arn!);
  if (!target) throw resourceMissing(arn!);
  const { page, nextToken: next } = paginate(target.get(), nextToken, maxResults);
  return { Tags: page, ...(next ? { NextToken: next } : {}) };
};

const deleteTags: Operation = (input, ctx) => {
  const fields = Fields.of(input);
  const arn = fields.string('ResourceArn', { required: true, max: 256 });
  const keys = fields.stringList('TagKeys', { required: true, min: 1, max: 50, item: { min: 1, max: 128 } });
  fields.check();
  const target = tagsOf(ctx, arn!);
  if (!target) throw resourceMissing(arn!);
  target.set(target.get().filter((t) => !keys!.includes(t.Key)));
  return {};
};

export const tagOperations: Record<string, Operation> = { AddTags: addTags, ListTags: listTags, DeleteTags: deleteTags };
