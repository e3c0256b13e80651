/**
 * `npm run bench [-- --quick] [--only fleet,waits,overhead] [--json file]`: benchmarks that print figures.
 * One run starts one Temporal dev server; each section starts the emulator and ONE modelship worker in
 * child processes. Every load has a count and a time limit. Figures, not assertions.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startBenchEnv } from './env';
import { runFleet, type FleetOptions, type FleetResult, type FleetWorkerConfig } from './fleet';
import { runOverhead, type OverheadResult } from './overhead';
import { loadWarning, machineInfo, mib, num, sec, table } from './stats';
import { runWaits, type WaitsResult } from './waits';

const SECTIONS = ['fleet', 'waits', 'overhead'] as const;
type Section = (typeof SECTIONS)[number];

/** Before: the SDK's defaults. After: modelship's rate limit per operation plus adaptive retries (see docs/benchmarks.md). */
const BEFORE: FleetWorkerConfig = { label: 'before (SDK defaults)' };
const after = (rps: number): FleetWorkerConfig => ({ label: `after (${rps} req/s per op, adaptive)`, maxRequestsPerSecond: rps, retryMode: 'adaptive' });

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      json: { type: 'string' },
      sizes: { type: 'string' },
      'describe-budget': { type: 'string', default: '30' },
      'operation-budget': { type: 'string', default: '50' },
      'worker-rps': { type: 'string', default: '25' },
      /** `scale`: only the fleets of --sizes; `compare`: only before/after on the scaled budget and the cleanup run. */
      plan: { type: 'string', default: 'all' },
      /** The fleets of --sizes also clean up after their rollouts (what a rollout does by default). */
      cleanup: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const quick = values.quick!;
  const only = (values.only?.split(',') ?? SECTIONS) as Section[];
  for (const s of only) if (!SECTIONS.includes(s)) throw new Error(`--only takes ${SECTIONS.join(',')}; got ${s}`);
  const cliPath = process.env.TEMPORAL_CLI_PATH;
  if (!cliPath) throw new Error('TEMPORAL_CLI_PATH is not set: run `npm run bench`, which installs the Temporal CLI');

  const machine = machineInfo();
  const out = (line = '') => console.log(line);
  out(`# modelship benchmarks (${quick ? 'quick' : 'full'})`);
  out(
    `date ${machine.date}; ${machine.cpus} CPUs (${machine.cpuModel}); ${machine.memoryGiB} GiB RAM; load average ${machine.loadAverage.join(' ')}; node ${machine.node}; ${machine.platform}`,
  );
  out(`command: npm run bench -- ${process.argv.slice(2).join(' ')}`.trimEnd());
  const warning = loadWarning(machine);
  if (warning) out(`WARNING ${warning}: the machine is busy with other work, so every figure below is indicative only; do not publish them.`);
  const heading = (title: string) => `\n## ${title}${warning ? ` (${warning})` : ''}`;

  const env = await startBenchEnv(cliPath);
  const report: {
    machine: typeof machine;
    quick: boolean;
    publishable: boolean;
    fleet?: FleetResult[];
    waits?: WaitsResult;
    overhead?: OverheadResult;
    loadAverageAtEnd?: number[];
  } = { machine, quick, publishable: !warning };
  try {
    if (only.includes('waits')) {
      out(heading('2. Waiting for InService'));
      report.waits = await runWaits(env, { quick }, out);
    }
    if (only.includes('overhead')) {
      out(heading('3. Engine overhead'));
      report.overhead = await runOverhead(env, { quick, loadWarning: warning }, out);
    }
    if (only.includes('fleet')) {
      const real = { describeEndpointBudget: Number(values['describe-budget']), operationBudget: Number(values['operation-budget']) };
      // The same account scaled down 10x, so the fleet reaches its budget even on a machine whose engine
      // throughput keeps the real budget out of reach; the worker's limit scaled with it.
      const scaled = { describeEndpointBudget: real.describeEndpointBudget / 10, operationBudget: real.operationBudget / 10 };
      const AFTER = after(Number(values['worker-rps']));
      const AFTER_SCALED = after(Number(values['worker-rps']) / 10);
      const minutes = (m: number) => m * 60_000;
      type Entry = Pick<FleetOptions, 'n' | 'worker' | 'cleanup' | 'describeEndpointBudget' | 'operationBudget' | 'timeoutMs'>;
      const sizes = values.sizes ? values.sizes.split(',').map(Number) : quick ? [10, 50] : [10, 100, 1000];
      const compareAt = quick ? 10 : 20;
      const scale: Entry[] = sizes.map((n) => ({
        n,
        worker: AFTER,
        cleanup: values.cleanup!,
        ...real,
        // A rollout makes about 15 DescribeEndpoint calls, so the account's budget alone needs n × 15 / budget
        // seconds (1000 rollouts at 30/s: over 8 minutes); the limit leaves twice that on top of 2 minutes.
        timeoutMs: Math.max(Math.min(minutes(quick ? 5 : 6), minutes(2) + n * 2_000), minutes(2) + (2 * n * 15_000) / real.describeEndpointBudget),
      }));
      const compare: Entry[] = [
        // Before/after where the budget binds.
        { n: compareAt, worker: BEFORE, cleanup: false, ...scaled, timeoutMs: minutes(4) },
        { n: compareAt, worker: AFTER_SCALED, cleanup: false, ...scaled, timeoutMs: minutes(4) },
        // The cleanup each rollout does by default (by ownership tags): shown at a small size; `--cleanup`
        // with --sizes shows that its calls per rollout do not grow with the fleet.
        { n: 10, worker: AFTER, cleanup: true, ...real, timeoutMs: minutes(3) },
      ];
      const plan = values.plan === 'scale' ? scale : values.plan === 'compare' ? compare : [...scale, ...compare];
      report.fleet = [];
      out(
        `${heading('1. Fleet')}: N canaries at once on one worker (account budget: DescribeEndpoint ${real.describeEndpointBudget}/s, every other operation ${real.operationBudget}/s each; scaled runs: a tenth of that)`,
      );
      for (const p of plan) {
        const result = await runFleet(env, { ...p, bakeMs: 2000, transitionMs: 1000 }, out);
        report.fleet.push(result);
        out(fleetRow(result));
        printFleetDetail(result, out);
      }
      printFleet(report.fleet, out);
    }
  } finally {
    await env.close();
  }
  report.loadAverageAtEnd = machineInfo().loadAverage;
  out(`\nload average at end: ${report.loadAverageAtEnd.join(' ')}`);
  if (values.json) writeFileSync(values.json, JSON.stringify(report, null, 2));
}

function fleetRow(r: FleetResult): string {
  return `  -> ${r.options.worker.label} n=${r.options.n}${r.options.cleanup ? ' +cleanup' : ''} budget ${r.options.describeEndpointBudget}/${r.options.operationBudget}: wall ${sec(r.wallMs)}s (ideal ${sec(r.idealMs)}s), ${r.completed} ok, ${r.failed} failed, ${r.timedOut} timed out, ${r.totalThrottles} throttles`;
}

function printFleet(results: FleetResult[], out: (line?: string) => void): void {
  out('\nideal per rollout = 4 bakes (2s) + UpdateEndpoint + 3 weight shifts + final UpdateEndpoint (1s each) = 13.0s\n');
  out(
    table(
      [
        'worker',
        'budget DE/other per s',
        'N',
        'cleanup',
        'wall s',
        'ideal s',
        'lag p50 s',
        'lag p95 s',
        'lag max s',
        'ok',
        'failed',
        'worker peak RSS MiB',
        'worker CPU s',
        'server CPU s',
        'worker CPU s/rollout',
        'server CPU s/rollout',
        'API calls',
        'calls/rollout',
        'DescribeEndpoint/rollout',
        'throttles',
      ],
      results.map((r) => [
        r.options.worker.label,
        `${r.options.describeEndpointBudget}/${r.options.operationBudget}`,
        String(r.options.n),
        r.options.cleanup ? 'yes' : 'no',
        sec(r.wallMs),
        sec(r.idealMs),
        sec(r.lagMs.p50),
        sec(r.lagMs.p95),
        sec(r.lagMs.max),
        String(r.completed),
        String(r.failed + r.timedOut),
        mib(r.workerPeakRssBytes),
        num(r.workerCpuSeconds, 1),
        num(r.serverCpuSeconds, 1),
        num(r.workerCpuSeconds / r.options.n, 3),
        num(r.serverCpuSeconds / r.options.n, 3),
        String(r.totalCalls),
        num(r.totalCalls / r.options.n, 1),
        num((r.calls['SageMaker.DescribeEndpoint'] ?? 0) / r.options.n, 1),
        String(r.totalThrottles),
      ]),
    ),
  );
}

function printFleetDetail(r: FleetResult, out: (line?: string) => void): void {
  out(
    `     lag p50/p95/max ${sec(r.lagMs.p50)}/${sec(r.lagMs.p95)}/${sec(r.lagMs.max)}s; worker peak RSS ${mib(r.workerPeakRssBytes)} MiB, CPU ${num(r.workerCpuSeconds, 1)}s; ` +
      `server CPU ${num(r.serverCpuSeconds, 1)}s; ${r.totalCalls} API calls (${num(r.totalCalls / r.options.n, 1)}/rollout, DescribeEndpoint ${num((r.calls['SageMaker.DescribeEndpoint'] ?? 0) / r.options.n, 1)}/rollout)`,
  );
  const head = `${r.options.worker.label} N=${r.options.n}${r.options.cleanup ? ' +cleanup' : ''} budget ${r.options.describeEndpointBudget}/${r.options.operationBudget}`;
  const ops = Object.entries(r.calls)
    .sort((a, b) => b[1] - a[1])
    .map(([op, c]) => `${op.replace(/^[A-Za-z]+\./, '')} ${num(c / r.options.n, 1)}`);
  out(`\n${head}: calls per rollout: ${ops.join(', ')}`);
  if (r.totalThrottles)
    out(
      `  throttled: ${Object.entries(r.throttles)
        .map(([op, c]) => `${op} ${c}`)
        .join(', ')}`,
    );
  if (Object.keys(r.otherErrors).length)
    out(
      `  other errors: ${Object.entries(r.otherErrors)
        .map(([k, c]) => `${k} ${c}`)
        .join(', ')}`,
    );
  if (Object.keys(r.failures).length)
    out(
      `  failures: ${Object.entries(r.failures)
        .map(([k, c]) => `${c}x ${k}`)
        .join('; ')}`,
    );
  out(
    `  gate verdicts: ${
      Object.entries(r.gateVerdicts)
        .map(([k, c]) => `${k} ${c}`)
        .join(', ') || 'none'
    }; emulator CPU ${num(r.emulatorCpuSeconds, 1)}s`,
  );
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
