/**
 * Input checking at the service boundary. The SDK validates nothing client-side (v3 dropped `paramValidation`:
 * https://docs.aws.amazon.com/sdk-for-javascript/v3/developer-guide/migrate-client-constructors.html), so
 * every member is checked here. A member of the wrong JSON type is a `SerializationException` (the body
 * cannot be read as the operation's input); a value that breaks a modeled constraint is collected and
 * reported the way AWS does: `N validation error(s) detected: Value '...' at '<path>' failed to satisfy
 * constraint: ...`.
 */
import { constraintViolations, serializationError, type ConstraintViolation } from './errors';

/** A modeled pattern: `text` is what AWS prints, `regex` the full-match check. */
export interface Pattern {
  text: string;
  regex: RegExp;
}

/** @param regexSource the check when `text` is not a JS regular expression (e.g. `\p{Print}`). */
function pattern(text: string, regexSource?: string): Pattern {
  const source = regexSource ?? text.replace(/^\^/, '').replace(/\$$/, '');
  return { text, regex: new RegExp(`^(?:${source})$`, 'su') };
}

// AWS (SageMaker model): name patterns; all full matches (e.g. https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateEndpoint.html#sagemaker-CreateEndpoint-request-EndpointName).
export const PATTERNS = {
  /** EndpointName, EndpointConfigName, VariantName, ModelPackageGroupName, Stage, StageStatus. */
  entityName: pattern('^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}'),
  modelName: pattern('^[a-zA-Z0-9]([\\-a-zA-Z0-9]*[a-zA-Z0-9])?'),
  nameContains: pattern('[a-zA-Z0-9-]+'),
  image: pattern('[\\S]+'),
  modelDataUrl: pattern('^(https|s3)://([^/]+)/?(.*)$'),
  roleArn: pattern('^arn:aws[a-z\\-]*:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+$'),
  /** ModelPackageGroupName in Create/Describe/List, ModelPackageGroupName in CreateModelPackage. */
  arnOrName: pattern('(arn:aws[a-z\\-]*:sagemaker:[a-z0-9\\-]*:[0-9]{12}:[a-z\\-]*\\/)?([a-zA-Z0-9]([a-zA-Z0-9-]){0,62})(?<!-)$'),
  /** ModelPackageName in Describe: a name or a versioned ARN. */
  versionedArnOrName: pattern('(arn:aws[a-z\\-]*:sagemaker:[a-z0-9\\-]*:[0-9]{12}:[a-z\\-]*\\/)?([a-zA-Z0-9]([a-zA-Z0-9-]){0,62})(?<!-)(\\/[0-9]{1,9})?$'),
  modelPackageArn: pattern('arn:aws[a-z\\-]*:sagemaker:[a-z0-9\\-]*:[0-9]{12}:model-package/[\\S]{1,2048}$'),
  /** Application Auto Scaling's XmlString-style members: printable, no control characters. */
  xmlString: pattern('[\\u0020-\\uD7FF\\uE000-\\uFFFD\\uD800\\uDC00-\\uDBFF\\uDFFF\\r\\n\\t]*'),
  policyName: pattern('\\p{Print}+', '[\\u0020-\\u007E\\u00A0-\\uFFFF]+'),
} as const;

export interface StringRule {
  required?: boolean;
  min?: number;
  max?: number;
  pattern?: Pattern;
  /** Allowed values (AWS prints them as `[A, B]`). */
  oneOf?: readonly string[];
}

export interface NumberRule {
  required?: boolean;
  min?: number;
  max?: number;
}

export interface ListRule {
  required?: boolean;
  min?: number;
  max?: number;
}

/**
 * Reads members of one JSON object, checking types at once and collecting constraint violations.
 * Call {@link Fields.check} once everything is read.
 */
export class Fields {
  constructor(
    readonly input: Record<string, unknown>,
    private readonly prefix = '',
    private readonly violations: ConstraintViolation[] = [],
  ) {}

  static of(input: unknown): Fields {
    if (input === undefined || input === null) return new Fields({});
    if (!isObject(input)) throw serializationError('Request body must be a JSON object.');
    return new Fields(input);
  }

  /** The AWS path of a member: lowerCamel, nested as `list.1.member.name`. */
  path(member: string): string {
    return this.prefix + member.charAt(0).toLowerCase() + member.slice(1);
  }

  violation(member: string, value: unknown, constraint: string): void {
    this.violations.push({ path: this.path(member), value, constraint });
  }

  has(member: string): boolean {
    return this.input[member] !== undefined && this.input[member] !== null;
  }

  string(member: string, rule: StringRule = {}): string | undefined {
    const value = this.input[member];
    if (value === undefined || value === null) {
      if (rule.required) this.violation(member, null, 'Member must not be null');
      return undefined;
    }
    if (typeof value !== 'string') throw wrongType(member, 'string', value);
    if (rule.max !== undefined && value.length > rule.max) {
      this.violation(member, value, `Member must have length less than or equal to ${rule.max}`);
    }
    if (rule.min !== undefined && value.length < rule.min) {
      this.violation(member, value, `Member must have length greater than or equal to ${rule.min}`);
    }
    if (rule.pattern && !rule.pattern.regex.test(value)) {
      this.violation(member, value, `Member must satisfy regular expression pattern: ${rule.pattern.text}`);
    }
    if (rule.oneOf && !rule.oneOf.includes(value)) {
      this.violation(member, value, `Member must satisfy enum value set: [${rule.oneOf.join(', ')}]`);
    }
    return value;
  }

  integer(member: string, rule: NumberRule = {}): number | undefined {
    const value = this.number(member, rule);
    if (value !== undefined && !Number.isInteger(value)) throw wrongType(member, 'integer', value);
    return value;
  }

  number(member: string, rule: NumberRule = {}): number | undefined {
    const value = this.input[member];
    if (value === undefined || value === null) {
      if (rule.required) this.violation(member, null, 'Member must not be null');
      return undefined;
    }
    if (typeof value !== 'number' || !Number.isFinite(value)) throw wrongType(member, 'number', value);
    if (rule.min !== undefined && value < rule.min) {
      this.violation(member, value, `Member must have value greater than or equal to ${rule.min}`);
    }
    if (rule.max !== undefined && value > rule.max) {
      this.violation(member, value, `Member must have value less than or equal to ${rule.max}`);
    }
    return value;
  }

  boolean(member: string): boolean | undefined {
    const value = this.input[member];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'boolean') throw wrongType(member, 'boolean', value);
    return value;
  }

  /** A timestamp member (epoch seconds, as the SDK sends them), returned in epoch ms. */
  timestamp(member: string): number | undefined {
    const value = this.input[member];
    if (value === undefined || value === null) return undefined;
    const seconds = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
    if (typeof seconds !== 'number' || !Number.isFinite(seconds)) throw wrongType(member, 'timestamp', value);
    return seconds * 1000;
  }

  /** A nested structure, read with the same violation list. */
  struct(member: string, rule: { required?: boolean } = {}): Fields | undefined {
    const value = this.input[member];
    if (value === undefined || value === null) {
      if (rule.required) this.violation(member, null, 'Member must not be null');
      return undefined;
    }
    if (!isObject(value)) throw wrongType(member, 'structure', value);
    return new Fields(value, `${this.path(member)}.`, this.violations);
  }

  list(member: string, rule: ListRule = {}): unknown[] | undefined {
    const value = this.input[member];
    if (value === undefined || value === null) {
      if (rule.required) this.violation(member, null, 'Member must not be null');
      return undefined;
    }
    if (!Array.isArray(value)) throw wrongType(member, 'list', value);
    if (rule.max !== undefined && value.length > rule.max) {
      this.violation(member, value, `Member must have length less than or equal to ${rule.max}`);
    }
    if (rule.min !== undefined && value.length < rule.min) {
      this.violation(member, value, `Member must have length greater than or equal to ${rule.min}`);
    }
    return value;
  }

  /** A list of structures; each item read with the path `member.<i>.member.` (1-based, as AWS prints it). */
  structList(member: string, rule: ListRule = {}): Fields[] | undefined {
    const items = this.list(member, rule);
    if (!items) return undefined;
    return items.map((item, i) => {
      if (!isObject(item)) throw wrongType(`${member}[${i}]`, 'structure', item);
      return new Fields(item, `${this.path(member)}.${i + 1}.member.`, this.violations);
    });
  }

  /** A list of strings. */
  stringList(member: string, rule: ListRule & { item?: StringRule } = {}): string[] | undefined {
    const items = this.list(member, rule);
    if (!items) return undefined;
    return items.map((item, i) => {
      if (typeof item !== 'string') throw wrongType(`${member}[${i}]`, 'string', item);
      const { item: itemRule } = rule;
      if (itemRule) new Fields({ m: item }, `${this.path(member)}.${i + 1}.member`, this.violations).string('m', itemRule);
      return item;
    });
  }

  /** A string -> string map. */
  stringMap(member: string, rule: { max?: number; min?: number } = {}): Record<string, string> | undefined {
    const value = this.input[member];
    if (value === undefined || value === null) return undefined;
    if (!isObject(value)) throw wrongType(member, 'map', value);
    for (const [k, v] of Object.entries(value)) if (typeof v !== 'string') throw wrongType(`${member}.${k}`, 'string', v);
    const size = Object.keys(value).length;
    if (rule.max !== undefined && size > rule.max) {
      this.violation(member, value, `Member must have length less than or equal to ${rule.max}`);
    }
    if (rule.min !== undefined && size < rule.min) {
      this.violation(member, value, `Member must have length greater than or equal to ${rule.min}`);
    }
    return value as Record<string, string>;
  }

  /** Any JSON value, unchecked (echoed back as given). */
  raw(member: string): unknown {
    return this.input[member];
  }

  /** Throws the collected violations, AWS-style, if there are any. */
  check(): void {
    if (this.violations.length > 0) throw constraintViolations(this.violations);
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function wrongType(member: string, expected: string, value: unknown): Error {
  const got = Array.isArray(value) ? 'list' : value === null ? 'null' : typeof value;
  return serializationError(`Unexpected ${got} for member ${member}; expected ${expected}.`);
}

/** Copies the given members that are present (for echoing optional input back in Describe*). */
export function pick(input: Record<string, unknown>, members: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const m of members) if (input[m] !== undefined && input[m] !== null) out[m] = input[m];
  return out;
}

/** Epoch ms -> the epoch-second number AWS JSON protocols use for timestamps. */
export function toEpochSeconds(ms: number): number {
  return ms / 1000;
}

/** Tags: at most 50; Key 1..128, Value 0..256. */
export function readTags(fields: Fields, member = 'Tags'): { Key: string; Value: string }[] {
  const items = fields.structList(member, { max: 50 }) ?? [];
  return items.map((tag) => ({
    Key: tag.string('Key', { required: true, min: 1, max: 128 }) ?? '',
    Value: tag.string('Value', { max: 256 }) ?? '',
  }));
}
