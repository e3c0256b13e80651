import { z } from 'zod';
import { STAGES, type Stage } from './deploy/input';

/**
 * Model references as users write them, in MLflow's URI forms and as SageMaker model package ARNs.
 * Pure parsing: which registry a reference resolves in, and to which version, is the registry's job.
 *
 * - `models:/churn/3`           a fixed version
 * - `models:/churn/Production`  whatever version holds a stage now (moving)
 * - `models:/churn/latest`      the newest version (moving)
 * - `models:/churn@champion`    whatever version an alias names now (moving)
 * - `arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/3`  a SageMaker model package version
 */
export type ModelRef =
  | { kind: 'version'; model: string; version: number }
  | { kind: 'stage'; model: string; stage: Stage }
  | { kind: 'latest'; model: string }
  | { kind: 'alias'; model: string; alias: string }
  | { kind: 'model-package'; arn: string; partition: string; region: string; account: string; model: string; version: number };

export type ModelRefParse = { ok: true; ref: ModelRef } | { ok: false; error: string };

/** A reference whose version can change between two runs: it must be resolved once and recorded. */
export function isMovingRef(ref: ModelRef): boolean {
  return ref.kind === 'stage' || ref.kind === 'latest' || ref.kind === 'alias';
}

const FORMS =
  'models:/<name>/<version>, models:/<name>/<stage>, models:/<name>@<alias> or arn:aws:sagemaker:<region>:<account>:model-package/<group>/<version>';

// MLflow matches stage names case-insensitively (`models:/m/production` works), so do we.
const STAGE_BY_LOWER = new Map<string, Stage>(Object.values(STAGES).map((s) => [s.toLowerCase(), s]));

/** MLflow reserves `latest` and `v<digits>` as alias names (they would read as a version). */
const ALIAS_PATTERN = /^[A-Za-z0-9_-]{1,255}$/;
const RESERVED_ALIAS = /^(latest|v\d+)$/i;

/** SageMaker's model package group name rule, and a versioned package ARN in any AWS partition. */
const GROUP_PATTERN = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;
const PACKAGE_ARN = /^arn:(aws[a-z-]*):sagemaker:([a-z0-9-]+):(\d{12}):model-package\/(.+)$/;

export function parseModelRef(text: string): ModelRefParse {
  const s = text.trim();
  if (s.startsWith('arn:')) return parsePackageArn(s);
  if (!s.startsWith('models:/')) return fail(`must be one of ${FORMS}; got ${JSON.stringify(text)}`);
  const body = s.slice('models:/'.length);

  const at = body.lastIndexOf('@');
  if (at >= 0) {
    const model = body.slice(0, at);
    const alias = body.slice(at + 1);
    const bad = checkModelName(model, text);
    if (bad) return fail(bad);
    if (!ALIAS_PATTERN.test(alias)) return fail(`alias must be 1-255 letters, digits, "_" or "-"; got ${JSON.stringify(alias)} in ${JSON.stringify(text)}`);
    if (RESERVED_ALIAS.test(alias)) return fail(`alias ${JSON.stringify(alias)} is reserved by MLflow (it reads as a version); in ${JSON.stringify(text)}`);
    return { ok: true, ref: { kind: 'alias', model, alias } };
  }

  const slash = body.lastIndexOf('/');
  if (slash < 0) {
    // MLflow 3's `models:/<model_id>` names a logged model, not a registry version: nothing to deploy from the registry.
    return fail(`must name a version, stage or alias (${FORMS}); got ${JSON.stringify(text)}`);
  }
  const model = body.slice(0, slash);
  const suffix = body.slice(slash + 1);
  const bad = checkModelName(model, text);
  if (bad) return fail(bad);
  if (/^\d+$/.test(suffix)) {
    const version = Number(suffix);
    if (!Number.isSafeInteger(version) || version < 1) return fail(`version must be a whole number of at least 1; got ${suffix} in ${JSON.stringify(text)}`);
    return { ok: true, ref: { kind: 'version', model, version } };
  }
  if (suffix.toLowerCase() === 'latest') return { ok: true, ref: { kind: 'latest', model } };
  const stage = STAGE_BY_LOWER.get(suffix.toLowerCase());
  if (stage) return { ok: true, ref: { kind: 'stage', model, stage } };
  return fail(`${JSON.stringify(suffix)} is neither a version number, "latest" nor a stage (${Object.values(STAGES).join(', ')}) in ${JSON.stringify(text)}`);
}

/** The canonical text of a reference (what `parseModelRef` reads back to the same value). */
export function formatModelRef(ref: ModelRef): string {
  switch (ref.kind) {
    case 'version':
      return `models:/${ref.model}/${ref.version}`;
    case 'stage':
      return `models:/${ref.model}/${ref.stage}`;
    case 'latest':
      return `models:/${ref.model}/latest`;
    case 'alias':
      return `models:/${ref.model}@${ref.alias}`;
    case 'model-package':
      return ref.arn;
  }
}

function parsePackageArn(s: string): ModelRefParse {
  const m = PACKAGE_ARN.exec(s);
  if (!m) return fail(`must be a versioned model package ARN arn:aws:sagemaker:<region>:<account>:model-package/<group>/<version>; got ${JSON.stringify(s)}`);
  const [, partition, region, account, rest] = m;
  const parts = rest.split('/');
  if (parts.length !== 2 || !/^\d+$/.test(parts[1])) {
    // An unversioned package (`model-package/<name>`) is not a registry version: it has no group to stage in.
    return fail(`must name a versioned model package (model-package/<group>/<version>); got ${JSON.stringify(s)}`);
  }
  const [model, n] = parts;
  if (!GROUP_PATTERN.test(model))
    return fail(`model package group must be 1-63 letters, digits and hyphens; got ${JSON.stringify(model)} in ${JSON.stringify(s)}`);
  const version = Number(n);
  if (version < 1 || !Number.isSafeInteger(version)) return fail(`version must be a whole number of at least 1; got ${n} in ${JSON.stringify(s)}`);
  return { ok: true, ref: { kind: 'model-package', arn: s, partition, region, account, model, version } };
}

/** MLflow model names are free text, but a reference splits on `/` and `@`, so neither may appear. */
function checkModelName(model: string, text: string): string | undefined {
  if (!model) return `model name is empty in ${JSON.stringify(text)}`;
  if (model.length > 256) return `model name must be at most 256 characters in ${JSON.stringify(text)}`;
  if (/[/@]/.test(model)) return `model name must not contain "/" or "@"; got ${JSON.stringify(model)} in ${JSON.stringify(text)}`;
  return undefined;
}

function fail(error: string): ModelRefParse {
  return { ok: false, error };
}

/** A model reference field in an input schema: checked at the boundary, kept as the user wrote it. */
export const modelRefString = z.string({ error: `must be a model reference: ${FORMS}` }).superRefine((s, ctx) => {
  const parsed = parseModelRef(s);
  if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.error });
});
