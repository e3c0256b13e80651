import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const SRC = path.resolve(__dirname, '../../src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = path.join(dir, e);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Relative imports that load code at run time (`import type` and `export type` load nothing). */
function runtimeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/^(?:import|export)\s+(?!type\b)[^;]*?from\s+'(\.[^']+)'/gms)].map((m) => m[1]);
  return specs
    .map((s) => path.resolve(path.dirname(file), s))
    .map((p) => [`${p}.ts`, path.join(p, 'index.ts')].find(existsSync))
    .filter((p): p is string => !!p);
}

/** Every import cycle reachable from `roots`, as a list of paths relative to src. */
function cycles(roots: string[]): string[][] {
  const found: string[][] = [];
  const done = new Set<string>();
  const visit = (file: string, stack: string[]) => {
    const at = stack.indexOf(file);
    if (at >= 0) return void found.push([...stack.slice(at), file].map((f) => path.relative(SRC, f)));
    if (done.has(file)) return;
    for (const next of runtimeImports(file)) visit(next, [...stack, file]);
    done.add(file);
  };
  roots.forEach((r) => visit(r, []));
  return found;
}

describe('CLI module structure', () => {
  it('has no import cycles', () => {
    assert.deepEqual(cycles(files(path.join(SRC, 'cli'))), []);
  });
});
