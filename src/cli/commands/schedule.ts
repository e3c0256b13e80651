import { Command } from 'commander';
import { canaryInputSchema } from '../../domain/canary/input';
import { validate } from '../../domain/validation';
import { createPromoteSchedule, createRolloutSchedule } from '../../schedules';
import { addTemporalOptions, connectClient, type TemporalOptions } from '../connection';
import { CliError, EXIT } from '../exit-codes';
import { refuseInvalidInput } from '../input-file';
import { addCanaryOptions, CANARY_FIELDS, canaryInputFrom } from './canary';

/** `modelship schedule …`: Temporal Schedules that run promotions on a timetable. */
export function scheduleCommand(): Command {
  const rollout = addTemporalOptions(
    addCanaryOptions(
      new Command('rollout')
        .summary('on a timetable, canary the newest Approved version of a model onto an endpoint')
        .requiredOption('--cron <expr...>', 'when, as cron expressions, e.g. "0 10 * * 1-5"')
        .option('--timezone <tz>', 'IANA timezone the cron is read in', 'UTC')
        .option('--schedule-id <id>', 'default rollout/<endpoint>'),
    ),
  ).action(async (flags: TemporalOptions & Record<string, unknown>) => {
    const input = canaryInputFrom(flags);
    // The version is filled in at each firing; validate the rest with a placeholder.
    const placeholder = { ...input, model: { ...(input.model as object), version: 1 } };
    const checked = validate(canaryInputSchema, placeholder);
    if (!checked.ok) refuseInvalidInput(checked.issues, flags, CANARY_FIELDS, placeholder);
    const client = await connectClient(flags);
    const { model, ...rest } = input as { model: { name: string } } & Record<string, unknown>;
    const handle = await createRolloutSchedule(client, {
      taskQueue: flags.taskQueue,
      cron: flags.cron as string[],
      timezone: flags.timezone as string,
      scheduleId: flags.scheduleId as string | undefined,
      rollout: { canary: { ...(rest as Parameters<typeof createRolloutSchedule>[1]['rollout']['canary']), model: { name: model.name } } },
    });
    console.log(
      `schedule ${handle.scheduleId} created; next runs: ${(await handle.describe()).info.nextActionTimes
        .slice(0, 3)
        .map((d) => d.toISOString())
        .join(', ')}`,
    );
  });

  const promote = addTemporalOptions(
    new Command('promote')
      .summary('promote the rollout running on an endpoint at a given time')
      .argument('<endpoint>', 'endpoint whose rollout to promote')
      .requiredOption('--at <time>', 'ISO 8601 time, e.g. 2026-11-25T10:00:00Z')
      .option('--full', 'straight to 100%')
      .option('--reason <text>', 'why (recorded in the run)'),
  ).action(async (endpointName: string, flags: TemporalOptions & { at: string; full?: boolean; reason?: string }) => {
    const at = new Date(flags.at);
    if (Number.isNaN(at.getTime()))
      throw new CliError(`--at: must be an ISO 8601 time such as 2026-11-25T10:00:00Z; got ${JSON.stringify(flags.at)}`, EXIT.invalidInput);
    if (at.getTime() <= Date.now()) throw new CliError(`--at: must be in the future; got ${at.toISOString()}`, EXIT.invalidInput);
    const handle = await createPromoteSchedule(await connectClient(flags), {
      taskQueue: flags.taskQueue,
      at,
      promote: { endpointName, full: flags.full, reason: flags.reason },
    });
    console.log(`schedule ${handle.scheduleId} will promote ${endpointName} at ${at.toISOString()}`);
  });

  const list = addTemporalOptions(new Command('list').summary('list schedules')).action(async (flags: TemporalOptions) => {
    const client = await connectClient(flags);
    for await (const s of client.schedule.list()) {
      const next = s.info.nextActionTimes[0]?.toISOString() ?? '-';
      console.log([s.scheduleId, s.state.paused ? 'paused' : 'active', `next ${next}`, s.memo?.description ?? ''].join('\t'));
    }
  });

  const del = addTemporalOptions(
    new Command('delete').argument('<schedule-id>', 'the schedule to delete (see `schedule list`)').summary('delete a schedule'),
  ).action(async (id: string, flags: TemporalOptions) => {
    await (await connectClient(flags)).schedule.getHandle(id).delete();
    console.log(`schedule ${id} deleted`);
  });

  return new Command('schedule')
    .summary('run rollouts and promotions on a timetable (Temporal Schedules)')
    .addCommand(rollout)
    .addCommand(promote)
    .addCommand(list)
    .addCommand(del);
}
