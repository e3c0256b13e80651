import { MONTHS, ScheduleOverlapPolicy, type Client, type ScheduleHandle } from '@temporalio/client';
import type { ScheduledPromoteInput, ScheduledRolloutInput } from './workflows/scheduled';
import { WORKFLOW_TYPES } from './workflows/messages';

/**
 * Temporal Schedules that drive promotions. A schedule never IS the endpoint's rollout (scheduled runs
 * get a timestamp appended to their id): it starts a small workflow that starts or signals the
 * endpoint's own run, so the one-pipeline-per-endpoint rule still holds.
 */

export interface RolloutScheduleOptions {
  taskQueue: string;
  /** Cron expressions, e.g. `0 10 * * 1-5` (weekdays 10:00). */
  cron: string[];
  /** IANA timezone the cron is read in. @default 'UTC' */
  timezone?: string;
  rollout: ScheduledRolloutInput;
  /** @default `rollout/<endpoint>` */
  scheduleId?: string;
}

/** Starts a canary of the newest Approved version on a timetable, skipping while a pipeline runs. */
export async function createRolloutSchedule(client: Client, o: RolloutScheduleOptions): Promise<ScheduleHandle> {
  const endpoint = o.rollout.canary.endpointName;
  return client.schedule.create({
    scheduleId: o.scheduleId ?? `rollout/${endpoint}`,
    spec: { cronExpressions: o.cron, timezone: o.timezone ?? 'UTC' },
    action: {
      type: 'startWorkflow',
      workflowType: WORKFLOW_TYPES.scheduledRollout,
      taskQueue: o.taskQueue,
      workflowId: `scheduled-rollout/${endpoint}`,
      args: [o.rollout],
    },
    // SKIP: a firing while the last one still runs is dropped. A short catch-up window: after an outage
    // a promotion must not start hours late, outside the window someone chose.
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '10m', pauseOnFailure: false },
    memo: { description: `canary rollout of the newest approved ${o.rollout.canary.model.name} to ${endpoint}` },
  });
}

export interface PromoteScheduleOptions {
  taskQueue: string;
  /** When to promote. */
  at: Date;
  promote: ScheduledPromoteInput;
}

/** Promotes the rollout running on an endpoint once, at a given time. */
export async function createPromoteSchedule(client: Client, o: PromoteScheduleOptions): Promise<ScheduleHandle> {
  const at = o.at;
  const endpoint = o.promote.endpointName;
  return client.schedule.create({
    scheduleId: `promote/${endpoint}/${at.toISOString()}`,
    spec: {
      calendars: [
        {
          year: at.getUTCFullYear(),
          month: MONTHS[at.getUTCMonth()],
          dayOfMonth: at.getUTCDate(),
          hour: at.getUTCHours(),
          minute: at.getUTCMinutes(),
          second: at.getUTCSeconds(),
        },
      ],
      timezone: 'UTC',
    },
    action: {
      type: 'startWorkflow',
      workflowType: WORKFLOW_TYPES.scheduledPromote,
      taskQueue: o.taskQueue,
      workflowId: `scheduled-promote/${endpoint}`,
      args: [o.promote],
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '10m' },
    state: { remainingActions: 1 },
  });
}
