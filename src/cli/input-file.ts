import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { describeIssues, type InputIssue } from '../domain/validation';
import { CliError, EXIT } from './exit-codes';

/** Reads a pipeline input from a YAML or JSON file (YAML is a superset of JSON). */
export function readInputFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read input file ${path}: ${(err as Error).message}`, EXIT.invalidInput);
  }
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (err) {
    throw new CliError(`input file ${path} is not valid YAML or JSON: ${(err as Error).message}`, EXIT.invalidInput);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new CliError(`input file ${path} must hold an object of pipeline fields`, EXIT.invalidInput);
  }
  return value as Record<string, unknown>;
}

/** Sets `value` at a dotted path, creating objects on the way; `undefined` values are skipped. */
export function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  if (value === undefined) return;
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    if (!node[key] || typeof node[key] !== 'object') node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]] = value;
}

/** A pipeline field a command sets from one of its flags: [field path, flags key, flag as typed, optional?]. */
export type FlagField = readonly [field: string, key: string, flag: string, optional?: 'optional'];

/** Builds the input from the -f file and the flags (flags win). */
export function inputFrom(flags: Record<string, unknown>, fields: readonly FlagField[]): Record<string, unknown> {
  const input: Record<string, unknown> = typeof flags.file === 'string' ? readInputFile(flags.file) : {};
  for (const [field, key] of fields) setPath(input, field, flags[key]);
  return input;
}

/** The value at a dotted path, if there is one. */
function valueAt(target: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), target);
}

/**
 * Refuses bad input in the user's own terms: an issue about a field set by a flag, or missing while no
 * file was given, names the flag (`--role`); one about a field that came from the file names the field.
 * Every bad value is echoed (`got 0`), unless the rule already says what it got.
 */
export function refuseInvalidInput(issues: InputIssue[], flags: Record<string, unknown>, fields: readonly FlagField[], input?: unknown): never {
  const fromFile = typeof flags.file === 'string';
  const named = issues.map((issue) => {
    const match = fields.find(([field]) => issue.field === field || issue.field.startsWith(`${field}.`) || field.startsWith(`${issue.field}.`));
    const value = valueAt(input, issue.field);
    const missing = /expected \w+, received undefined/.test(issue.rule);
    const echo = !missing && value !== undefined && (typeof value !== 'object' || value === null) && !/\bgot\b/.test(issue.rule);
    const rule = missing ? 'required' : echo ? `${issue.rule}; got ${JSON.stringify(value)}` : issue.rule;
    if (!match) return { field: issue.field, rule };
    const [, key, flag] = match;
    // A missing parent object (`model`) stands for every flag that fills it.
    const flagsForIt = fields.filter(([field, , , optional]) => field.startsWith(`${issue.field}.`) && !optional).map(([, , f]) => f);
    const label = flagsForIt.length > 1 ? flagsForIt.join(', ') : flag;
    if (flags[key] !== undefined || !fromFile) return { field: label, rule };
    return { field: issue.field, rule };
  });
  const missing = named.filter((i) => i.rule === 'required' || i.rule.startsWith('required')).length;
  const hint = !fromFile && missing ? `\n(give the fields with flags, or all of them in a file with -f; see --help)` : '';
  throw new CliError(`invalid input: ${describeIssues(named)}${hint}`, EXIT.invalidInput);
}
