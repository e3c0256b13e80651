/**
 * Requests built from a model's input shape: one valid request per operation (every member, nested to a
 * bounded depth, each value satisfying the model's constraints), and from it one invalid request per
 * constraint of each member it holds: missing required member, too long, below the minimum length, not
 * matching the pattern, unknown enum value, out of range, too few / too many list items.
 */
import { ACCOUNT, ROLE } from '../support/fixtures';
import { patternRegex, shapeOf, type ServiceModel, type Shape } from './model';

const SM_ARN = `arn:aws:sagemaker:us-east-1:${ACCOUNT}`;

/**
 * Values for members whose meaning matters to the emulator: they name the fixture resources
 * (see requests.test.ts) so that valid requests reach the emulator's semantics, not just its validation.
 * Each is itself checked against the model's constraints before use.
 */
export const SAMPLES: Record<string, unknown> = {
  EndpointName: 'conf-endpoint',
  EndpointConfigName: 'conf-config',
  ModelName: 'conf-model',
  VariantName: 'AllTraffic',
  TargetVariant: 'AllTraffic',
  ModelPackageGroupName: 'conf-group',
  ModelPackageName: `${SM_ARN}:model-package/conf-group/1`,
  ModelPackageArn: `${SM_ARN}:model-package/conf-group/1`,
  ExecutionRoleArn: ROLE,
  RoleARN: `arn:aws:iam::${ACCOUNT}:role/aws-service-role/sagemaker.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint`,
  Image: `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/conf:1`,
  ModelDataUrl: 's3://conf-bucket/model.tar.gz',
  InstanceType: 'ml.m5.large',
  ResourceArn: `${SM_ARN}:endpoint/conf-endpoint`,
  ServiceNamespace: 'sagemaker',
  ResourceId: 'endpoint/conf-endpoint/variant/AllTraffic',
  ScalableDimension: 'sagemaker:variant:DesiredInstanceCount',
  PolicyName: 'conf-policy',
  PolicyType: 'TargetTrackingScaling',
  PredefinedMetricType: 'SageMakerVariantInvocationsPerInstance',
  Namespace: 'AWS/SageMaker',
  MetricName: 'Invocations',
  AlarmName: 'conf-alarm',
  Id: 'm1',
  Stat: 'Sum',
  Period: 60,
  Statistics: ['Sum'],
  StateValue: 'OK',
  StateReason: 'conformance',
  ContentType: 'application/json',
  Accept: 'application/json',
  ModelApprovalStatus: 'PendingManualApproval',
  Stage: 'Staging',
  StageStatus: 'InProgress',
  Key: 'conf-key',
  Value: 'conf-value',
  MetricAggregationType: 'Average',
  AdjustmentType: 'ChangeInCapacity',
  ComparisonOperator: 'GreaterThanThreshold',
  ResourceARN: `arn:aws:application-autoscaling:us-east-1:${ACCOUNT}:scalable-target/0123456789abcdef`,
  Schedule: 'rate(5 minutes)',
};

const STRING_CANDIDATES = [
  'conf-a1',
  'conf',
  'a',
  'A',
  '1',
  'conf.a_1',
  `${SM_ARN}:model-package/conf-group/1`,
  `${SM_ARN}:endpoint/conf-endpoint`,
  ROLE,
  's3://conf-bucket/key',
  'https://example.com/conf',
  'us-east-1a',
  'm1',
  '1.0',
  'application/json',
  '2024-01-01T00:00:00Z',
  '{}',
  '/metrics',
  'mig-1g.5gb',
  `sha256:${'a'.repeat(64)}`,
  '1.0.0',
  `arn:aws:sns:us-east-1:${ACCOUNT}:conf`,
  `arn:aws:kms:us-east-1:${ACCOUNT}:key/conf`,
  `arn:aws:lambda:us-east-1:${ACCOUNT}:function:conf`,
  `arn:aws:sagemaker:us-east-1:${ACCOUNT}:conf/conf`,
  `arn:aws:sagemaker:us-east-1:${ACCOUNT}:hub-content/conf/Model/conf/1.0.0`,
  'sg-0123abcd',
  'subnet-0123abcd',
];

export function stringViolates(shape: Shape, value: string): string | undefined {
  if (shape.max !== undefined && value.length > shape.max) return 'max';
  if (shape.min !== undefined && value.length < shape.min) return 'min';
  if (shape.pattern) {
    const re = patternRegex(shape.pattern);
    if (re && !re.test(value)) return 'pattern';
  }
  if (shape.enum && !shape.enum.includes(value)) return 'enum';
  return undefined;
}

/** Raised when no sample satisfies a shape: add one to SAMPLES. */
export class NoSample extends Error {}

function validString(shape: Shape, shapeName: string, member: string): string {
  const sample = SAMPLES[member];
  if (typeof sample === 'string' && !stringViolates(shape, sample)) return sample;
  if (shape.enum) return shape.enum[0]!;
  const min = shape.min ?? 0;
  for (const candidate of STRING_CANDIDATES) {
    const padded = candidate.length >= min ? candidate : candidate + 'a'.repeat(min - candidate.length);
    if (!stringViolates(shape, padded)) return padded;
  }
  throw new NoSample(`no valid sample for ${member} (${shapeName}, pattern ${shape.pattern}, min ${shape.min}, max ${shape.max})`);
}

function validNumber(shape: Shape, member: string, integer: boolean): number {
  const sample = SAMPLES[member];
  if (typeof sample === 'number' && !(shape.min !== undefined && sample < shape.min) && !(shape.max !== undefined && sample > shape.max)) return sample;
  let value = shape.min !== undefined ? Math.max(shape.min, 1) : 1;
  if (shape.max !== undefined && value > shape.max) value = shape.max;
  return integer ? Math.ceil(value) : value;
}

const MAX_DEPTH = 8;

/**
 * A valid value of a shape. Structures get every member (or only the required ones), unions their first, down to MAX_DEPTH,
 * lists and maps `max(min, 1)` items; recursive shapes stop at the first repeat.
 */
export function validValue(model: ServiceModel, shapeName: string, member: string, now: number, stack: string[] = [], requiredOnly = false): unknown {
  const shape = shapeOf(model, shapeName);
  switch (shape.type) {
    case 'structure': {
      const out: Record<string, unknown> = {};
      const members = Object.entries(shape.members ?? {});
      const required = new Set(shape.required ?? []);
      const deep = stack.length >= MAX_DEPTH || stack.includes(shapeName);
      for (const [name, ref] of shape.union ? members.slice(0, 1) : members) {
        if ((deep || requiredOnly) && !required.has(name)) continue;
        if (ref.idempotencyToken) continue;
        if (shapeOf(model, ref.shape).document) continue;
        out[name] = validValue(model, ref.shape, name, now, [...stack, shapeName], requiredOnly);
      }
      return out;
    }
    case 'list': {
      const sample = SAMPLES[member];
      if (Array.isArray(sample)) return sample;
      const count = Math.max(shape.min ?? 0, 1);
      if (stack.includes(shapeName) && (shape.min ?? 0) === 0) return [];
      return Array.from({ length: count }, () => validValue(model, shape.member!.shape, member, now, [...stack, shapeName], requiredOnly));
    }
    case 'map': {
      const count = Math.max(shape.min ?? 0, 1);
      const out: Record<string, unknown> = {};
      for (let i = 0; i < count; i++) {
        const key = validString(shapeOf(model, shape.key!.shape), shape.key!.shape, 'Key');
        out[count === 1 ? key : `${key}${i}`] = validValue(model, shape.value!.shape, 'Value', now, [...stack, shapeName], requiredOnly);
      }
      return out;
    }
    case 'string':
      return validString(shape, shapeName, member);
    case 'integer':
    case 'long':
      return validNumber(shape, member, true);
    case 'float':
    case 'double':
      return validNumber(shape, member, false);
    case 'boolean':
      return false;
    case 'timestamp':
      return new Date(now - 10 * 60_000);
    case 'blob':
      return new TextEncoder().encode('{}');
    default:
      return undefined;
  }
}

/** A path segment as AWS's validation messages print it: `productionVariants.1.member.variantName`. */
function segment(member: string): string {
  return member.charAt(0).toLowerCase() + member.slice(1);
}

export type ConstraintClass = 'required' | 'max' | 'min' | 'pattern' | 'enum' | 'range' | 'listMin' | 'listMax';

export interface InvalidRequest {
  /** Where the broken member is, as AWS prints it. */
  path: string;
  /** The member's name as the model spells it (for protocols whose messages name members that way). */
  member: string;
  constraint: ConstraintClass;
  input: Record<string, unknown>;
}

type Key = string | number;

/** Every invalid variant of a valid input: one per constraint of each member present in it. */
export function invalidRequests(model: ServiceModel, inputShape: string, valid: Record<string, unknown>): InvalidRequest[] {
  const out: InvalidRequest[] = [];
  const walk = (shapeName: string, value: unknown, path: string, member: string, keys: Key[]) => {
    const shape = shapeOf(model, shapeName);
    const emit = (constraint: ConstraintClass, replacement: unknown) => {
      const input = structuredClone(valid);
      const parent = at(input, keys.slice(0, -1));
      parent[keys[keys.length - 1]!] = replacement;
      out.push({ path, member, constraint, input });
    };
    switch (shape.type) {
      case 'structure': {
        const record = value as Record<string, unknown>;
        for (const name of shape.required ?? []) {
          if (record[name] === undefined) continue;
          const input = structuredClone(valid);
          delete at(input, keys)[name];
          out.push({ path: join(path, segment(name)), member: name, constraint: 'required', input });
        }
        for (const [name, v] of Object.entries(record)) {
          walk(shape.members![name]!.shape, v, join(path, segment(name)), name, [...keys, name]);
        }
        return;
      }
      case 'list': {
        const items = value as unknown[];
        if (shape.min !== undefined && shape.min > 0) emit('listMin', items.slice(0, shape.min - 1));
        if (shape.max !== undefined && shape.max < 1000 && items.length > 0) {
          emit(
            'listMax',
            Array.from({ length: shape.max + 1 }, () => structuredClone(items[0])),
          );
        }
        items.forEach((item, i) => walk(shape.member!.shape, item, `${path}.${i + 1}.member`, member, [...keys, i]));
        return;
      }
      case 'map': {
        for (const [k, v] of Object.entries(value as Record<string, unknown>)) walk(shape.value!.shape, v, path, member, [...keys, k]);
        return;
      }
      case 'string': {
        const text = value as string;
        if (shape.max !== undefined && shape.max < 100_000) emit('max', text + 'a'.repeat(shape.max + 1 - text.length));
        if (shape.min !== undefined && shape.min > 0) emit('min', text.slice(0, shape.min - 1));
        if (shape.enum) emit('enum', 'NotAModelEnumValue'.slice(0, shape.max ?? 100));
        else if (shape.pattern && patternRegex(shape.pattern)) {
          const bad = patternBreaker(shape);
          if (bad !== undefined) emit('pattern', bad);
        }
        return;
      }
      case 'integer':
      case 'long':
      case 'float':
      case 'double': {
        if (shape.min !== undefined) emit('range', shape.min - 1);
        if (shape.max !== undefined) emit('range', shape.max + 1);
        return;
      }
      default:
        return;
    }
  };
  walk(inputShape, valid, '', '', []);
  return out;
}

function at(root: Record<string, unknown>, keys: Key[]): Record<Key, unknown> {
  let node: unknown = root;
  for (const k of keys) node = (node as Record<Key, unknown>)[k];
  return node as Record<Key, unknown>;
}

/** A string of allowed length that does not match the shape's pattern (none for patterns like `.*`). */
function patternBreaker(shape: Shape): string | undefined {
  const re = patternRegex(shape.pattern!)!;
  const min = Math.max(shape.min ?? 0, 1);
  for (const base of ['!', ' ', '-', '~', '\u0007', '.', '#a', 'a b', 'A!', '0']) {
    const candidate = base.length >= min ? base : base.repeat(Math.ceil(min / base.length)).slice(0, min);
    if (shape.max !== undefined && candidate.length > shape.max) continue;
    if (!re.test(candidate)) return candidate;
  }
  return undefined;
}

function join(path: string, seg: string): string {
  return path ? `${path}.${seg}` : seg;
}
