/** Small numeric and reporting helpers for the benchmarks: percentiles, tables, machine and process figures. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface Summary {
  n: number;
  mean: number;
  p50: number;
  p95: number;
  max: number;
}

/** Nearest-rank percentile (p in 0..100) of unsorted values; NaN for none. */
export function percentile(values: number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function summarize(values: number[]): Summary {
  const mean = values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN;
  return { n: values.length, mean, p50: percentile(values, 50), p95: percentile(values, 95), max: values.length ? Math.max(...values) : NaN };
}

/** Seconds with one decimal (or "-" for NaN). */
export const sec = (ms: number, digits = 1): string => (Number.isFinite(ms) ? (ms / 1000).toFixed(digits) : '-');
export const num = (n: number, digits = 0): string => (Number.isFinite(n) ? n.toFixed(digits) : '-');
export const mib = (bytes: number): string => (Number.isFinite(bytes) ? `${Math.round(bytes / 1024 / 1024)}` : '-');

/** A plain-text table with aligned columns (also valid Markdown). */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

export interface MachineInfo {
  date: string;
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  loadAverage: [number, number, number];
  node: string;
  platform: string;
}

/** Read at run time: CPU count (as `nproc`), CPU model (/proc/cpuinfo), memory (as `free -g`), load average. */
export function machineInfo(): MachineInfo {
  let cpuModel = os.cpus()[0]?.model ?? 'unknown';
  try {
    cpuModel = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpuModel;
  } catch {
    // not Linux: keep os.cpus()
  }
  const [l1, l5, l15] = os.loadavg();
  return {
    date: new Date().toISOString(),
    cpus: os.availableParallelism(),
    cpuModel,
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    loadAverage: [round2(l1!), round2(l5!), round2(l15!)],
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
  };
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/**
 * Figures from a machine whose 1-minute load average at the start is above its core count measure the
 * other work as much as modelship: the benchmark then marks every table header with this warning, and such
 * figures do not go into docs/benchmarks.md. undefined on a machine fit to measure on.
 */
export function loadWarning(machine: Pick<MachineInfo, 'cpus' | 'loadAverage'>): string | undefined {
  const load = machine.loadAverage[0];
  return load > machine.cpus ? `NOT FOR PUBLICATION: load average ${load} at start > ${machine.cpus} cores` : undefined;
}

let clockTicks: number | undefined;
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

export interface ProcFigures {
  /** User + system CPU seconds since the process started. */
  cpuSeconds: number;
  rssBytes: number;
  /** Peak resident set size (VmHWM). */
  peakRssBytes: number;
}

/** CPU and memory of another process from /proc (Linux); undefined where /proc is not available. */
export function procFigures(pid: number | undefined): ProcFigures | undefined {
  if (!pid) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at field 3; utime and stime are 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / ticksPerSecond();
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    return { cpuSeconds, rssBytes: kb('VmRSS'), peakRssBytes: kb('VmHWM') };
  } catch {
    return undefined;
  }
}

/** Runs `fn` over `items` with at most `concurrency` at once. */
export async function pool<T>(items: T[], concurrency: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!, i);
    }
  });
  await Promise.all(workers);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
