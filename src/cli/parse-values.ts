import { InvalidArgumentError } from 'commander';

/**
 * Option value parsers: a bad value is a usage error that commander reports with the flag and the value
 * as typed (`option '--instance-count <n>' argument 'abc' is invalid. ...`) and exit code 2.
 */
export function integer(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n)) throw new InvalidArgumentError('must be a whole number.');
  return n;
}

export function number(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError('must be a number.');
  return n;
}

/** A comma-separated list of numbers, e.g. `5,25,50,100`. */
export function numbers(value: string): number[] {
  return value
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean)
    .map(number);
}
