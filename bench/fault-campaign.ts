/**
 * The fault campaign at any size (see test/support/campaign.ts): pipelines of every kind against the
 * emulator with faults on, worker SIGKILLs and Temporal server restarts, then a full leak check.
 *
 *   npx tsx bench/fault-campaign.ts --pipelines 40 [--kills 6] [--restarts 1] [--seed N]
 *     [--throttle 0.2] [--server-errors 0.05] [--latency-ms 25] [--chaos-window-ms 60000] [--timeout-ms 900000]
 *
 * Needs the Temporal CLI (TEMPORAL_CLI_PATH, or scripts/temporal-cli.sh finds/installs it). Exits 1 when
 * any workflow missed its expected outcome or the final AWS state differs from the expected one.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { formatSummary, runCampaign } from '../test/support/campaign';
import { temporalCliPath } from '../test/support/temporal';

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'; // as bin/modelship does
  const { values } = parseArgs({
    options: {
      pipelines: { type: 'string', default: '40' },
      kills: { type: 'string' },
      restarts: { type: 'string', default: '1' },
      seed: { type: 'string' },
      throttle: { type: 'string', default: '0.2' },
      'server-errors': { type: 'string', default: '0.05' },
      'latency-ms': { type: 'string', default: '25' },
      'chaos-window-ms': { type: 'string' },
      'timeout-ms': { type: 'string', default: '900000' },
      json: { type: 'boolean', default: false },
    },
  });
  const pipelines = Number(values.pipelines);
  // Recovery times depend on how busy the machine is (a restarted worker takes longer to poll): print the load with them.
  const load = () =>
    loadavg()
      .map((x) => x.toFixed(2))
      .join(', ');
  const loadAtStart = load();
  const report = await runCampaign({
    cliPath: temporalCliPath(),
    pipelines,
    kills: values.kills !== undefined ? Number(values.kills) : Math.max(3, Math.ceil(pipelines / 8)),
    serverRestarts: Number(values.restarts),
    seed: values.seed !== undefined ? Number(values.seed) : undefined,
    throttleRate: Number(values.throttle),
    serverErrorRate: Number(values['server-errors']),
    latencyMs: Number(values['latency-ms']),
    chaosWindowMs: values['chaos-window-ms'] !== undefined ? Number(values['chaos-window-ms']) : Math.max(20_000, pipelines * 1_000),
    timeoutMs: Number(values['timeout-ms']),
    log: (line) => console.error(line),
  });
  console.log(values.json ? JSON.stringify({ ...report, loadAverage: { start: loadAtStart, end: load() } }, null, 2) : formatSummary(report));
  if (!values.json) console.log(`  load average (1, 5, 15 min): ${loadAtStart} at start, ${load()} at the end`);
  const bad =
    report.wrongOutcomes.length +
    report.leaks.length +
    report.duplicates.length +
    report.scalingDiffs.length +
    report.lookalikeChanges.length +
    report.overCapacity.length +
    report.canariesWithoutScaleOut.length;
  process.exit(bad ? 1 : 0);
}

main().catch((err) => {
  console.error(err);
  process.exit(2);
});
