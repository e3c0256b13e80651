// CloudWatch's modeled errors with their awsQuery codes. The SDK reads the code from
// `x-amzn-query-error` first, so `err.name` is the exception name and `err.Code` the query code.

import { AwsError } from './errors';

export const cloudWatchErrors = {
  invalidParameterValue: (message: string) => new AwsError('InvalidParameterValueException', message, 400, {}, 'InvalidParameterValue'),
  invalidParameterCombination: (message: string) => new AwsError('InvalidParameterCombinationException', message, 400, {}, 'InvalidParameterCombination'),
  missingParameter: (message: string) => new AwsError('MissingRequiredParameterException', message, 400, {}, 'MissingParameter'),
  /** The query code real CloudWatch answers for a malformed query Id (reported, not in the docs). */
  validation: (message: string) => new AwsError('ValidationException', message, 400, {}, 'ValidationError'),
  invalidNextToken: (message: string) => new AwsError('InvalidNextToken', message, 400, {}, 'InvalidNextToken'),
  resourceNotFound: (message: string) => new AwsError('ResourceNotFound', message, 404, {}, 'ResourceNotFound'),
  invalidFormat: (message: string) => new AwsError('InvalidFormatFault', message, 400, {}, 'InvalidFormat'),
} as const;
