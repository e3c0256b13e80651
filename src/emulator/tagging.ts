/**
 * Resource Groups Tagging API: GetResources over the SageMaker models, endpoint configs and endpoints the
 * emulator holds (the resource types modelship asks for). AWS's rules, from
 * https://docs.aws.amazon.com/resourcegroupstagging/latest/APIReference/API_GetResources.html:
 * - several TagFilters must all match; several Values of one filter match any of them; a filter without
 *   Values matches every value of its key;
 * - ResourceTypeFilters are `service[:resourceType]` as spelled inside the ARN (`sagemaker:endpoint-config`);
 * - ResourceARNList cannot be combined with TagFilters, ResourceTypeFilters or pagination members
 *   (InvalidParameterException);
 * - untagged resources are not returned (only "tagged or previously tagged" ones), and the answer comes
 *   in pages of at most ResourcesPerPage (1..100) with an opaque PaginationToken.
 */
import { AwsError } from './errors';
import { paginate } from './listing';
import type { JsonService, Operation, RequestContext } from './service';
import type { Tag } from './state';

interface TagFilter {
  Key: string;
  Values?: string[];
}

function invalidParameter(message: string): AwsError {
  return new AwsError('InvalidParameterException', message, 400);
}

/** Every resource GetResources can see, in a stable order (by ARN). */
function taggedResources(ctx: RequestContext): Array<{ arn: string; tags: Tag[] }> {
  const { state } = ctx;
  return [...state.models.values(), ...state.endpointConfigs.values(), ...state.endpoints.values()]
    .filter((r) => r.tags.length > 0)
    .map((r) => ({ arn: r.arn, tags: r.tags }))
    .sort((a, b) => (a.arn < b.arn ? -1 : a.arn > b.arn ? 1 : 0));
}

/** `sagemaker:endpoint-config` matches `arn:aws:sagemaker:<region>:<account>:endpoint-config/<name>`; `sagemaker` any SageMaker ARN. */
function matchesType(arn: string, filter: string): boolean {
  const [, , service, , , resource = ''] = arn.split(':');
  const [wantService, wantType] = filter.split(':');
  if (service !== wantService) return false;
  return wantType === undefined || resource.split('/')[0] === wantType;
}

function matchesTags(tags: Tag[], filters: TagFilter[]): boolean {
  return filters.every((f) => tags.some((t) => t.Key === f.Key && (!f.Values?.length || f.Values.includes(t.Value))));
}

const getResources: Operation = (input: Record<string, unknown>, ctx) => {
  const arns = input.ResourceARNList as string[] | undefined;
  const tagFilters = (input.TagFilters as TagFilter[] | undefined) ?? [];
  const types = (input.ResourceTypeFilters as string[] | undefined) ?? [];
  const perPage = input.ResourcesPerPage as number | undefined;
  const token = input.PaginationToken as string | undefined;
  if (arns !== undefined) {
    if (input.TagFilters !== undefined) throw invalidParameter("You can't specify both ResourceARNList and TagFilters in the same request.");
    if (input.ResourceTypeFilters !== undefined) throw invalidParameter("You can't specify both ResourceARNList and ResourceTypeFilters in the same request.");
    if (perPage !== undefined || input.TagsPerPage !== undefined || token) {
      throw invalidParameter("You can't specify both ResourceARNList and pagination parameters in the same request.");
    }
  }
  if (perPage !== undefined && (perPage < 1 || perPage > 100)) throw invalidParameter('ResourcesPerPage must be between 1 and 100.');
  if (input.TagsPerPage !== undefined && ((input.TagsPerPage as number) < 100 || (input.TagsPerPage as number) > 500)) {
    throw invalidParameter('TagsPerPage must be between 100 and 500.');
  }
  if (input.ExcludeCompliantResources === true && input.IncludeComplianceDetails !== true) {
    throw invalidParameter('ExcludeCompliantResources can only be used when IncludeComplianceDetails is true.');
  }
  let found = taggedResources(ctx);
  if (arns !== undefined) found = found.filter((r) => arns.includes(r.arn));
  if (types.length) found = found.filter((r) => types.some((t) => matchesType(r.arn, t)));
  found = found.filter((r) => matchesTags(r.tags, tagFilters));
  const { page, nextToken } = paginate(found, token, perPage ?? 100, () => invalidParameter('The pagination token is invalid.'));
  return {
    ResourceTagMappingList: page.map((r) => ({ ResourceARN: r.arn, Tags: r.tags.map((t) => ({ Key: t.Key, Value: t.Value })) })),
    // AWS answers an empty string on the last page (the v3 paginator stops on it).
    PaginationToken: nextToken ?? '',
  };
};

export const taggingService: JsonService = {
  targetPrefix: 'ResourceGroupsTaggingAPI_20170126',
  contentType: 'application/x-amz-json-1.1',
  model: 'resourcegroupstaggingapi',
  operations: { GetResources: getResources },
};
