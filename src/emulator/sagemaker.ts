/** The SageMaker JSON-RPC service (`x-amz-target: SageMaker.<Op>`): operations from the per-area files. */
import { endpointOperations } from './sagemaker-endpoints';
import { modelOperations } from './sagemaker-models';
import { registryOperations } from './sagemaker-registry';
import { tagOperations } from './sagemaker-tags';
import type { JsonService } from './service';

export const sagemakerService: JsonService = {
  targetPrefix: 'SageMaker',
  contentType: 'application/x-amz-json-1.1',
  model: 'sagemaker',
  operations: { ...modelOperations, ...endpointOperations, ...registryOperations, ...tagOperations },
};
