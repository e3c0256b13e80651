import { DefaultFailureConverter } from '@temporalio/common';

/**
 * Loaded by path (DataConverter.failureConverterPath) in clients, workers and the workflow sandbox when
 * payload encryption is on. Failure messages and stack traces name endpoints, models, S3 URIs and AWS
 * error text; `encodeCommonAttributes` moves them into a payload so the codec encrypts them too instead
 * of leaving them in clear in history.
 */
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
