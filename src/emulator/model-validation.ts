/**
 * Request validation driven by AWS's service models: every member of the input, at any depth, is checked
 * against the model's required-ness, length, range, pattern and enum constraints before the operation
 * runs, as AWS's validation layer does. Violations are reported all at once in AWS's text
 * (`N validation error(s) detected: Value '...' at 'productionVariants.1.member.variantName' failed to
 * satisfy constraint: ...`). Members of the wrong JSON type are left to the operation's own reading
 * (validation.ts), which answers SerializationException; the operations keep their semantic rules.
 *
 * Map members follow AWS's message form for maps: `Map keys must satisfy constraint: [...]` and
 * `Map value must satisfy constraint: [...]` at the map's path.
 */
import { constraintViolations, type ConstraintViolation, AwsError } from './errors';
import { cloudWatchErrors } from './cloudwatch-errors';
import { patternRegex, shapeOf, type ServiceModel, type Shape } from './service-models';

/** Every constraint violation of `input` against the operation's input shape (model member order). */
export function inputViolations(model: ServiceModel, operationName: string, input: unknown): ConstraintViolation[] {
  const operation = model.operations[operationName];
  const violations: ConstraintViolation[] = [];
  if (operation?.input) checkShape(model, operation.input.shape, input, '', violations);
  return violations;
}

/**
 * Throws AWS's validation error for the input's violations, if any. awsQuery-compatible services
 * (CloudWatch) answer a missing required member with `MissingParameter` naming it as the query API
 * spells it, and other violations with `ValidationError`.
 */
export function assertValidInput(
  model: ServiceModel,
  operationName: string,
  input: unknown,
  options: { queryCompatible?: boolean; errorCode?: string } = {},
): void {
  const violations = inputViolations(model, operationName, input);
  if (violations.length === 0) return;
  if (options.queryCompatible) {
    const missing = violations.find((v) => v.constraint === NOT_NULL);
    if (missing) throw cloudWatchErrors.missingParameter(`The parameter ${queryPath(missing.path)} is required.`);
    const error = constraintViolations(violations);
    throw cloudWatchErrors.validation(error.message);
  }
  const error = constraintViolations(violations);
  if (options.errorCode) throw new AwsError(options.errorCode, error.message, 400);
  throw error;
}

const NOT_NULL = 'Member must not be null';

function checkShape(model: ServiceModel, shapeName: string, value: unknown, path: string, out: ConstraintViolation[]): void {
  const shape = shapeOf(model, shapeName);
  switch (shape.type) {
    case 'structure': {
      if (!isRecord(value)) return;
      const required = new Set(shape.required ?? []);
      for (const [name, ref] of Object.entries(shape.members ?? {})) {
        const member = value[name];
        const memberPath = join(path, lowerFirst(name));
        if (member === undefined || member === null) {
          if (required.has(name)) out.push({ path: memberPath, value: null, constraint: NOT_NULL });
          continue;
        }
        checkShape(model, ref.shape, member, memberPath, out);
      }
      return;
    }
    case 'list': {
      if (!Array.isArray(value)) return;
      lengthViolations(shape, value.length, value, path, out);
      value.forEach((item, i) => {
        if (item !== undefined && item !== null) checkShape(model, shape.member!.shape, item, `${path}.${i + 1}.member`, out);
      });
      return;
    }
    case 'map': {
      if (!isRecord(value)) return;
      lengthViolations(shape, Object.keys(value).length, value, path, out);
      const keyShape = shapeOf(model, shape.key!.shape);
      const valueShapeName = shape.value!.shape;
      const valueShape = shapeOf(model, valueShapeName);
      const keyRules = new Set<string>();
      const valueRules = new Set<string>();
      for (const [k, v] of Object.entries(value)) {
        for (const rule of scalarViolations(keyShape, k)) keyRules.add(rule);
        if (valueShape.type === 'string' || isNumeric(valueShape)) {
          for (const rule of scalarViolations(valueShape, v)) valueRules.add(rule);
        } else if (v !== undefined && v !== null) checkShape(model, valueShapeName, v, `${path}.${k}.member`, out);
      }
      if (keyRules.size) out.push({ path, value, constraint: `Map keys must satisfy constraint: [${[...keyRules].join(', ')}]` });
      if (valueRules.size) out.push({ path, value, constraint: `Map value must satisfy constraint: [${[...valueRules].join(', ')}]` });
      return;
    }
    default:
      for (const constraint of scalarViolations(shape, value)) out.push({ path, value, constraint });
  }
}

/** The constraint texts a string or number breaks (nothing for values of the wrong type). */
function scalarViolations(shape: Shape, value: unknown): string[] {
  const rules: string[] = [];
  if (shape.type === 'string' && typeof value === 'string') {
    if (shape.max !== undefined && value.length > shape.max) rules.push(`Member must have length less than or equal to ${shape.max}`);
    if (shape.min !== undefined && value.length < shape.min) rules.push(`Member must have length greater than or equal to ${shape.min}`);
    if (shape.pattern) {
      const re = patternRegex(shape.pattern);
      if (re && !re.test(value)) rules.push(`Member must satisfy regular expression pattern: ${shape.pattern}`);
    }
    if (shape.enum && !shape.enum.includes(value)) rules.push(`Member must satisfy enum value set: [${shape.enum.join(', ')}]`);
  } else if (isNumeric(shape) && typeof value === 'number') {
    if (shape.min !== undefined && value < shape.min) rules.push(`Member must have value greater than or equal to ${shape.min}`);
    if (shape.max !== undefined && value > shape.max) rules.push(`Member must have value less than or equal to ${shape.max}`);
  }
  return rules;
}

function lengthViolations(shape: Shape, length: number, value: unknown, path: string, out: ConstraintViolation[]): void {
  if (shape.max !== undefined && length > shape.max) out.push({ path, value, constraint: `Member must have length less than or equal to ${shape.max}` });
  if (shape.min !== undefined && length < shape.min) out.push({ path, value, constraint: `Member must have length greater than or equal to ${shape.min}` });
}

function isNumeric(shape: Shape): boolean {
  return shape.type === 'integer' || shape.type === 'long' || shape.type === 'float' || shape.type === 'double';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

function lowerFirst(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

function join(path: string, segment: string): string {
  return path ? `${path}.${segment}` : segment;
}

/** `metricDataQueries.1.member.metricStat.period` -> `MetricDataQueries.member.1.MetricStat.Period` (awsQuery form). */
function queryPath(path: string): string {
  return path
    .replace(/\.(\d+)\.member/g, '.member.$1')
    .split('.')
    .map((s) => (s === 'member' ? s : s.charAt(0).toUpperCase() + s.slice(1)))
    .join('.');
}
