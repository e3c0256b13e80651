/**
 * ARN formats, as the Service Authorization Reference lists them per resource type:
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsagemaker.html#amazonsagemaker-resources-for-iam-policies
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_applicationautoscaling.html#applicationautoscaling-resources-for-iam-policies
 */
import type { RequestContext } from './service';

type ArnContext = Pick<RequestContext, 'region' | 'accountId'>;

// AWS: SageMaker is widely reported to lowercase the resource name inside model, endpoint-config and
// endpoint ARNs (names stay case-preserving elsewhere). Clients must not parse names back out of ARNs.
export function modelArn(ctx: ArnContext, name: string): string {
  return `arn:aws:sagemaker:${ctx.region}:${ctx.accountId}:model/${name.toLowerCase()}`;
}

export function endpointConfigArn(ctx: ArnContext, name: string): string {
  return `arn:aws:sagemaker:${ctx.region}:${ctx.accountId}:endpoint-config/${name.toLowerCase()}`;
}

export function endpointArn(ctx: ArnContext, name: string): string {
  return `arn:aws:sagemaker:${ctx.region}:${ctx.accountId}:endpoint/${name.toLowerCase()}`;
}

export function modelPackageGroupArn(ctx: ArnContext, name: string): string {
  return `arn:aws:sagemaker:${ctx.region}:${ctx.accountId}:model-package-group/${name}`;
}

/** Versioned: `model-package/<group>/<version>`; unversioned: `model-package/<name>`. */
export function modelPackageArn(ctx: ArnContext, name: string, version?: number): string {
  const suffix = version === undefined ? name : `${name}/${version}`;
  return `arn:aws:sagemaker:${ctx.region}:${ctx.accountId}:model-package/${suffix}`;
}

export function scalableTargetArn(ctx: ArnContext, id: string): string {
  return `arn:aws:application-autoscaling:${ctx.region}:${ctx.accountId}:scalable-target/${id}`;
}

export function scalingPolicyArn(ctx: ArnContext, id: string, namespace: string, resourceId: string, name: string): string {
  return `arn:aws:autoscaling:${ctx.region}:${ctx.accountId}:scalingPolicy:${id}:resource/${namespace}/${resourceId}:policyName/${name}`;
}

export function scheduledActionArn(ctx: ArnContext, id: string, namespace: string, resourceId: string, name: string): string {
  return `arn:aws:autoscaling:${ctx.region}:${ctx.accountId}:scheduledAction:${id}:resource/${namespace}/${resourceId}:scheduledActionName/${name}`;
}

export function alarmArn(ctx: ArnContext, name: string): string {
  return `arn:aws:cloudwatch:${ctx.region}:${ctx.accountId}:alarm:${name}`;
}

/** The service-linked role Application Auto Scaling reports for SageMaker targets. */
export function sagemakerAutoscalingRoleArn(ctx: ArnContext): string {
  return `arn:aws:iam::${ctx.accountId}:role/aws-service-role/sagemaker.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint`;
}

/** The name part of a `...:<type>/<name>` ARN, or the input when it is not an ARN. */
export function nameFromArnOrName(value: string): string {
  if (!value.startsWith('arn:')) return value;
  const slash = value.indexOf('/');
  return slash >= 0 ? value.slice(slash + 1) : value;
}
