/**
 * AWS's published service models (botocore `service-2.json.gz`, vendored in ./models with their version,
 * hashes and Apache-2.0 license): the authority for every member's type, length, range, pattern, enum and
 * required-ness. Loaded lazily, once per process.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';

export const BOTOCORE_VERSION = '1.44.8';

export interface MemberRef {
  shape: string;
  location?: string;
  locationName?: string;
  idempotencyToken?: boolean;
}

export interface Shape {
  type: string;
  members?: Record<string, MemberRef>;
  required?: string[];
  member?: MemberRef;
  key?: MemberRef;
  value?: MemberRef;
  min?: number;
  max?: number;
  pattern?: string;
  enum?: string[];
  union?: boolean;
  exception?: boolean;
  error?: { code?: string; httpStatusCode?: number };
  payload?: string;
  sensitive?: boolean;
  document?: boolean;
}

export interface ModelOperation {
  name: string;
  input?: { shape: string };
  output?: { shape: string };
  errors?: { shape: string }[];
}

export interface ServiceModel {
  /** Folder name under models/, e.g. `sagemaker`. */
  name: string;
  metadata: { protocol: string; targetPrefix?: string; jsonVersion?: string; awsQueryCompatible?: object; serviceId: string };
  operations: Record<string, ModelOperation>;
  shapes: Record<string, Shape>;
}

export type ModelName = 'sagemaker' | 'application-autoscaling' | 'cloudwatch' | 'sagemaker-runtime' | 'resourcegroupstaggingapi';

const MODEL_DIR = path.join(__dirname, 'models');
const MODEL_FILES: Record<ModelName, string> = {
  sagemaker: 'sagemaker/2017-07-24/service-2.json.gz',
  'application-autoscaling': 'application-autoscaling/2016-02-06/service-2.json.gz',
  cloudwatch: 'cloudwatch/2010-08-01/service-2.json.gz',
  'sagemaker-runtime': 'sagemaker-runtime/2017-05-13/service-2.json.gz',
  resourcegroupstaggingapi: 'resourcegroupstaggingapi/2017-01-26/service-2.json.gz',
};

const cache = new Map<string, ServiceModel>();
export function loadModel(name: ModelName): ServiceModel {
  let model = cache.get(name);
  if (!model) {
    const file = MODEL_FILES[name] as string | undefined;
    if (!file) throw new Error(`no vendored model for ${name}`);
    const json = JSON.parse(gunzipSync(readFileSync(path.join(MODEL_DIR, file))).toString('utf8')) as Omit<ServiceModel, 'name'>;
    model = { name, ...json };
    cache.set(name, model);
  }
  return model;
}

export function shapeOf(model: ServiceModel, name: string): Shape {
  const shape = model.shapes[name];
  if (!shape) throw new Error(`${model.name}: no shape ${name}`);
  return shape;
}

export const MODEL_NAMES = Object.keys(MODEL_FILES) as ModelName[];

/**
 * A model pattern (Java regex, matched in full by AWS's validation layer) as a JS full-match RegExp, or
 * undefined when it uses Java syntax JS lacks. POSIX classes map to their (ASCII) Java meaning.
 */
const compiled = new Map<string, RegExp | undefined>();
export function patternRegex(pattern: string): RegExp | undefined {
  if (!compiled.has(pattern)) compiled.set(pattern, compilePattern(pattern));
  return compiled.get(pattern);
}

function compilePattern(pattern: string): RegExp | undefined {
  const POSIX: Record<string, string> = {
    Print: '\\x20-\\x7E',
    Graph: '\\x21-\\x7E',
    Alnum: 'a-zA-Z0-9',
    Alpha: 'a-zA-Z',
    Digit: '0-9',
    Punct: '!-\\/:-@\\[-`{-~',
  };
  let out = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      const posix = /^\\p\{(\w+)\}/.exec(pattern.slice(i));
      if (posix && POSIX[posix[1]!]) {
        out += inClass ? POSIX[posix[1]!] : `[${POSIX[posix[1]!]}]`;
        i += posix[0].length - 1;
        continue;
      }
      const next = pattern[i + 1] ?? '';
      i++;
      // Java anchors \A and \z/\Z: the match is a full match anyway.
      if (next === 'A' || next === 'z' || next === 'Z') continue;
      // Java allows escaping any punctuation; JS's unicode mode only syntax characters (and `-` in a class).
      if (/[^\w\s^$\\.*+?()[\]{}|/-]/.test(next) || next === ' ' || next === '_' || (next === '-' && !inClass)) out += next;
      else out += c + next;
      continue;
    }
    // Java accepts a quantifier on the end anchor (`(...)*${1,128}`); it means nothing.
    if (c === '$' && pattern[i + 1] === '{') {
      i = pattern.indexOf('}', i);
      continue;
    }
    if (c === '[' && !inClass) inClass = true;
    else if (c === ']' && inClass) inClass = false;
    out += c;
  }
  try {
    return new RegExp(`^(?:${out.replace(/^\^/, '').replace(/(?<!\\)\$$/, '')})$`, 'su');
  } catch {
    return undefined;
  }
}
