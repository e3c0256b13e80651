/** Deploy fixtures: the input most deploy tests start from. */
import type { DeployInput } from '../../src/domain/deploy/input';
import { image, ROLE } from './fixtures';

/** A deploy of `model`'s image tagged `tag` (its artifacts under s3://models/<model>/<tag>/), auto-approved, polled fast. */
export function deployInput(endpointName: string, model: string, tag = '1', extra: Partial<DeployInput> = {}): DeployInput {
  return {
    endpointName,
    model: { name: model, image: image(model, tag), modelDataUrl: `s3://models/${model}/${tag}/model.tar.gz` },
    executionRoleArn: ROLE,
    instanceType: 'ml.m5.large',
    autoApprove: true,
    poll: { min: '100ms', max: '500ms' },
    ...extra,
  };
}
