import { paginateGetResources, type ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import type { Tag } from '../domain/ownership';

export interface TaggedResource {
  arn: string;
  /** `model` or `endpoint-config` (the resource type inside the ARN). */
  type: string;
  /** The name as the ARN spells it: SageMaker lower-cases it there, so it may differ in case from the real one. */
  arnName: string;
  tags: Tag[];
}

/**
 * The SageMaker resources carrying every one of `filters` (a filter without values matches any value of
 * its key), through the Resource Groups Tagging API: the cost is the number of matches, not the size of
 * the account. https://docs.aws.amazon.com/resourcegroupstagging/latest/APIReference/API_GetResources.html
 */
export async function findTagged(
  tagging: ResourceGroupsTaggingAPIClient,
  filters: Array<{ Key: string; Values?: string[] }>,
  types: Array<'sagemaker:model' | 'sagemaker:endpoint-config' | 'sagemaker:endpoint'>,
): Promise<TaggedResource[]> {
  const out: TaggedResource[] = [];
  for await (const page of paginateGetResources({ client: tagging }, { TagFilters: filters, ResourceTypeFilters: types, ResourcesPerPage: 100 })) {
    for (const r of page.ResourceTagMappingList ?? []) {
      const arn = r.ResourceARN!;
      // arn:aws:sagemaker:<region>:<account>:<type>/<name>
      const resource = arn.split(':').slice(5).join(':');
      const slash = resource.indexOf('/');
      out.push({
        arn,
        type: resource.slice(0, slash),
        arnName: resource.slice(slash + 1),
        tags: (r.Tags ?? []).map((t) => ({ Key: t.Key!, Value: t.Value ?? '' })),
      });
    }
  }
  return out;
}
