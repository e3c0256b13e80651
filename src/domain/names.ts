/**
 * Resource names and workflow ids. Every name modelship gives AWS derives from the model, version and
 * spec, so a retried or replayed step always asks for the same name and can never create a second copy.
 */

/** AWS's pattern for endpoint, endpoint config, variant and model package group names (1–63 chars). */
export const AWS_NAME_PATTERN = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;
export const AWS_NAME_RULE = '1-63 letters, digits and hyphens, starting and ending with a letter or digit';

const MAX_NAME = 63;

/** FNV-1a, 32 bits, base 36: a short, stable, dependency-free digest usable inside workflow code. */
export function shortHash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(36).padStart(7, '0');
}

/**
 * Joins parts into a valid AWS resource name. Names that would pass 63 characters are cut and
 * suffixed with a hash of the full name, so distinct long names stay distinct.
 */
export function resourceName(...parts: Array<string | number>): string {
  const full = parts
    .map(String)
    .join('-')
    .replace(/[^a-zA-Z0-9-]/g, '-')
    .replace(/^-+|-+$/g, '');
  if (full.length <= MAX_NAME) return full;
  const suffix = shortHash(full);
  return `${full.slice(0, MAX_NAME - suffix.length - 1).replace(/-+$/, '')}-${suffix}`;
}

/** The SageMaker model serving one registered version: `<group>-v<version>`. */
export function modelName(group: string, version: number): string {
  return resourceName(group, `v${version}`);
}

/**
 * An endpoint config for `endpoint` holding `spec` (the variants, as plain data). The hash of the spec
 * makes the name change whenever the content does: a config is immutable once created.
 */
export function endpointConfigName(endpoint: string, label: string, spec: unknown): string {
  return resourceName(endpoint, label, shortHash(stableJson(spec)));
}

/**
 * One workflow id per endpoint, shared by every pipeline kind: the Temporal server then refuses a second
 * deploy, canary, update or delete on an endpoint while one is running, atomically.
 */
export function endpointWorkflowId(endpoint: string): string {
  return `endpoint/${endpoint}`;
}

/** JSON with object keys sorted, so equal specs hash equally whatever their key order. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}
