import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
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
