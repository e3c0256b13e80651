/** Application Auto Scaling (`x-amz-target: AnyScaleFrontendService.<Op>`) for SageMaker variants. */
import type { JsonService } from './service';

export const autoscalingService: JsonService = {
  targetPrefix: 'AnyScaleFrontendService',
  contentType: 'application/x-amz-json-1.1',
  operations: {},
};
