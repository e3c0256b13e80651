export { deployModel } from './deploy';
export { canaryRollout } from './canary';
export { updateSageMakerEndpoint } from './update-endpoint';
export { deleteSageMakerEndpoint } from './delete-endpoint';
export { scheduledPromote, scheduledRollout } from './scheduled';
