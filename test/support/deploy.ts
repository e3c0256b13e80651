/** Deploy fixtures: the input most deploy tests start from. */
import type { DeployInput } from '../../src/domain/deploy/input';

export const ROLE = 'arn:aws:iam::123456789012:role/sagemaker-exec';

/** A deploy of `model`'s image tagged `tag` (its artifacts under s3://models/<model>/<tag>/), auto-approved, polled fast. */
export function deployInput(endpointName: string, model: string, tag = '1', extra: Partial<DeployInput> = {}): DeployInput {
  return {
    endpointName,
    model: { name: model, image: `123456789012.dkr.ecr.us-east-1.amazonaws.com/${model}:${tag}`, modelDataUrl: `s3://models/${model}/${tag}/model.tar.gz` },
    executionRoleArn: ROLE,
    instanceType: 'ml.m5.large',
    autoApprove: true,
    poll: { min: '100ms', max: '500ms' },
    ...extra,
  };
}
