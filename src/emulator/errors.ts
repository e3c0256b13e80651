/**
 * AWS error values thrown by emulated operations, and the standard texts SageMaker and the AWS
 * validation layer use. The server turns an {@link AwsError} into the JSON-RPC envelope
 * `{"__type": code, "message": ...}` with `x-amzn-ErrorType` (restJson for the runtime).
 */

export class AwsError extends Error {
  /**
   * @param code       the AWS error code (`__type`, `x-amzn-ErrorType`); the SDK sets `err.name` to it.
   * @param status     HTTP status. 400 for client errors; use 5xx only when the SDK should retry.
   * @param headers    extra response headers (they win over the ones the server derives).
   * @param queryCode  for query-compatible services (CloudWatch): the awsQuery code the server sends
   *                   as `x-amzn-query-error: <queryCode>;Sender` (`;Receiver` for 5xx). Defaults to `code`.
   * @param body       extra members merged into the JSON error body (e.g. runtime `ModelError` fields).
   */
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    readonly headers: Record<string, string> = {},
    readonly queryCode?: string,
    readonly body: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = code;
  }
}

/** The `ValidationException` most SageMaker "not found" and "wrong state" errors use (not modeled in the SDK). */
export function validationError(message: string): AwsError {
  return new AwsError('ValidationException', message);
}

// AWS: SageMaker's not-found / already-exists / in-progress texts, straight quotes, trailing period.
export type SageMakerResourceKind = 'endpoint' | 'endpoint configuration' | 'model';

export function couldNotFind(kind: SageMakerResourceKind, arn: string): AwsError {
  return validationError(`Could not find ${kind} "${arn}".`);
}

export function alreadyExists(kind: SageMakerResourceKind, arn: string): AwsError {
  return validationError(`Cannot create already existing ${kind} "${arn}".`);
}

export function updateInProgress(endpointArn: string): AwsError {
  return validationError(`Cannot update in-progress endpoint "${endpointArn}".`);
}

export function updateFailedEndpoint(endpointArn: string): AwsError {
  // AWS: only DeleteEndpoint is allowed on a Failed endpoint. The prefix is reported, the rest is UNCONFIRMED.
  return validationError(`Cannot update failed endpoint "${endpointArn}".`);
}

export function modelPackageGroupMissing(groupArn: string): AwsError {
  return validationError(`ModelPackageGroup ${groupArn} does not exist.`);
}

/** One item of AWS's constraint-violation text, `Value '<v>' at '<path>' failed to satisfy constraint: <rule>`. */
export interface ConstraintViolation {
  /** lowerCamel member path as AWS prints it, e.g. `endpointName` or `productionVariants.1.member.variantName`. */
  path: string;
  value: unknown;
  constraint: string;
}

export function describeViolation(v: ConstraintViolation): string {
  // AWS prints a missing member as `Value null` (no quotes) and other values quoted.
  const shown = v.value === null || v.value === undefined ? 'null' : `'${formatValue(v.value)}'`;
  return `Value ${shown} at '${v.path}' failed to satisfy constraint: ${v.constraint}`;
}

/** `1 validation error detected: ...` / `2 validation errors detected: ...; ...` (AWS joins with `; `). */
export function constraintViolations(violations: readonly ConstraintViolation[]): AwsError {
  const n = violations.length;
  const head = `${n} validation error${n === 1 ? '' : 's'} detected: `;
  return validationError(head + violations.map(describeViolation).join('; '));
}

export function constraintViolation(path: string, value: unknown, constraint: string): AwsError {
  return constraintViolations([{ path, value, constraint }]);
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** The body could not be read as the operation's input (bad JSON, a member of the wrong type). */
export function serializationError(message?: string): AwsError {
  return new AwsError('SerializationException', message ?? 'Unable to parse request body');
}

// Throttling as real SageMaker sends it: HTTP 400, ThrottlingException, "Rate exceeded" (https://docs.aws.amazon.com/sagemaker/latest/APIReference/CommonErrors.html).
// CloudWatch's awsQuery code for it is `Throttling`.
export function throttlingError(): AwsError {
  return new AwsError('ThrottlingException', 'Rate exceeded', 400, {}, 'Throttling');
}
