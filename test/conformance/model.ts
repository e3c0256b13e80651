/**
 * The conformance oracle's view of AWS's published service models (src/emulator/service-models.ts): the
 * emulator's operations mapped to model operations, and the output-shape check that every recorded
 * emulator response goes through.
 */
import { builtInServices } from '../../src/emulator/server';
import { loadModel, MODEL_NAMES, shapeOf, type ModelOperation, type ServiceModel } from '../../src/emulator/service-models';

export { loadModel, patternRegex, shapeOf, BOTOCORE_VERSION } from '../../src/emulator/service-models';
export type { ServiceModel, Shape, ModelOperation } from '../../src/emulator/service-models';

/** One operation the emulator implements, with the model it is checked against. */
export interface ImplementedOperation {
  /** `x-amz-target` prefix, or `SageMakerRuntime` for the restJson runtime. */
  targetPrefix: string;
  name: string;
  /** `Prefix.Op`, as the emulator's call log and recorder name it. */
  id: string;
  model: ServiceModel;
  operation: ModelOperation;
}

/** The runtime's operations: served by the server's `/endpoints/{name}/invocations` route, not a JSON-RPC table. */
const RUNTIME_OPERATIONS = ['InvokeEndpoint'];

/**
 * Every operation the emulator serves, derived from its own dispatch table (`builtInServices`), so that an
 * operation added there without a model counterpart, or without conformance coverage, fails the test.
 */
export function implementedOperations(): ImplementedOperation[] {
  const models = MODEL_NAMES.map(loadModel);
  const out: ImplementedOperation[] = [];
  for (const service of builtInServices()) {
    const model = models.find((m) => m.metadata.targetPrefix === service.targetPrefix);
    if (!model) throw new Error(`no vendored model has targetPrefix ${service.targetPrefix}`);
    for (const name of Object.keys(service.operations)) {
      const operation = model.operations[name];
      if (!operation) throw new Error(`${service.targetPrefix}.${name} is served by the emulator but is not in the ${model.name} model`);
      out.push({ targetPrefix: service.targetPrefix, name, id: `${service.targetPrefix}.${name}`, model, operation });
    }
  }
  const runtime = loadModel('sagemaker-runtime');
  for (const name of RUNTIME_OPERATIONS) {
    out.push({ targetPrefix: 'SageMakerRuntime', name, id: `SageMakerRuntime.${name}`, model: runtime, operation: runtime.operations[name]! });
  }
  return out;
}

// ---- output checking ----

/** AWS JSON protocols (1.0 / 1.1) send timestamps as epoch-second numbers. */
export function checkValue(model: ServiceModel, shapeName: string, value: unknown, at: string, problems: string[]): void {
  const shape = shapeOf(model, shapeName);
  const wrong = (expected: string): void => void problems.push(`${at}: expected ${expected} (${shapeName}), got ${JSON.stringify(value)?.slice(0, 80)}`);
  switch (shape.type) {
    case 'structure': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return wrong('an object');
      const record = value as Record<string, unknown>;
      const members = shape.members ?? {};
      for (const [key, v] of Object.entries(record)) {
        const member = members[key];
        if (!member) {
          problems.push(`${at}: unknown member ${key} (not in ${shapeName})`);
          continue;
        }
        if (v === null) {
          problems.push(`${at}.${key}: null (AWS omits absent members)`);
          continue;
        }
        checkValue(model, member.shape, v, `${at}.${key}`, problems);
      }
      for (const key of shape.required ?? []) {
        if (members[key]?.location) continue; // header/URI members are not in the body
        if (record[key] === undefined) problems.push(`${at}: missing required member ${key} (${shapeName})`);
      }
      if (shape.union && Object.keys(record).length !== 1) problems.push(`${at}: a union must set exactly one member`);
      return;
    }
    case 'list':
      if (!Array.isArray(value)) return wrong('a list');
      value.forEach((item, i) => checkValue(model, shape.member!.shape, item, `${at}[${i}]`, problems));
      return;
    case 'map':
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return wrong('a map');
      for (const [k, v] of Object.entries(value)) {
        checkValue(model, shape.key!.shape, k, `${at} key`, problems);
        checkValue(model, shape.value!.shape, v, `${at}.${k}`, problems);
      }
      return;
    case 'string':
      if (typeof value !== 'string') return wrong('a string');
      if (shape.enum && !shape.enum.includes(value)) problems.push(`${at}: ${JSON.stringify(value)} is not a value of enum ${shapeName}`);
      return;
    case 'integer':
    case 'long':
      if (typeof value !== 'number' || !Number.isInteger(value)) return wrong('an integer');
      return;
    case 'float':
    case 'double':
      if (typeof value !== 'number' || !Number.isFinite(value)) return wrong('a number');
      return;
    case 'boolean':
      if (typeof value !== 'boolean') return wrong('a boolean');
      return;
    case 'timestamp':
      // AWS JSON 1.0/1.1: epoch seconds as a JSON number (fractions allowed).
      if (typeof value !== 'number' || !Number.isFinite(value)) return wrong('epoch seconds (a JSON number)');
      return;
    case 'blob':
      if (typeof value !== 'string') return wrong('a base64 string');
      return;
    default:
      return;
  }
}

/** The error codes an operation may return: its declared errors plus AWS's common errors. */
export function allowedErrors(model: ServiceModel, operation: ModelOperation): Set<string> {
  const allowed = new Set<string>(COMMON_ERRORS);
  if (model.metadata.awsQueryCompatible) {
    // awsQuery's common errors (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CommonErrors.html),
    // by their query code and by the model's exception shape that carries that code.
    for (const code of COMMON_QUERY_ERRORS) allowed.add(code);
    for (const [name, shape] of Object.entries(model.shapes)) {
      if (shape.error?.code && (COMMON_QUERY_ERRORS as readonly string[]).includes(shape.error.code)) allowed.add(name);
    }
  }
  for (const { shape } of operation.errors ?? []) {
    allowed.add(shape);
    const code = model.shapes[shape]?.error?.code;
    if (code) allowed.add(code);
  }
  return allowed;
}

/**
 * AWS's common errors, which every operation of these services may return
 * (https://docs.aws.amazon.com/sagemaker/latest/APIReference/CommonErrors.html, the same list for
 * Application Auto Scaling and CloudWatch), plus the JSON protocols' framing errors
 * (SerializationException, UnknownOperationException) and the HTTP 413 for an oversized body.
 */
export const COMMON_QUERY_ERRORS = ['InvalidParameterCombination', 'InvalidParameterValue', 'MissingParameter', 'ValidationError', 'Throttling'] as const;

export const COMMON_ERRORS = [
  'AccessDeniedException',
  'IncompleteSignature',
  'InternalFailure',
  'InvalidAction',
  'InvalidClientTokenId',
  'NotAuthorized',
  'OptInRequired',
  'RequestExpired',
  'ServiceUnavailable',
  'ThrottlingException',
  'ValidationError',
  'ValidationException',
  'SerializationException',
  'UnknownOperationException',
  'RequestEntityTooLargeException',
] as const;
