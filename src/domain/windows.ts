import { z } from 'zod';

/**
 * Allowed deployment windows: days of the week and hours in a timezone. A rollout outside every window
 * holds before its next traffic shift until the next window opens. Pure and deterministic (uses only
 * the time it is given), so workflows can call it.
 */
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;

export const windowsSchema = z
  .strictObject({
    /** IANA timezone, e.g. Europe/Berlin. @default 'UTC' */
    timezone: z
      .string()
      .refine(isTimezone, { error: (iss) => `must be an IANA timezone such as Europe/Berlin; got ${JSON.stringify(iss.input)}` })
      .default('UTC'),
    allowed: z
      .array(
        z.strictObject({
          days: z.array(z.enum(DAYS, { error: `days must be among ${DAYS.join(', ')}` })).min(1, { error: 'name at least one day' }),
          from: z.string().regex(HHMM, { error: 'must be a time HH:MM' }),
          to: z.string().regex(HHMM, { error: 'must be a time HH:MM' }),
        }),
      )
      .min(1, { error: 'name at least one window' }),
  })
  .superRefine((w, ctx) => {
    w.allowed.forEach((a, i) => {
      if (a.from >= a.to) ctx.addIssue({ code: 'custom', path: ['allowed', i, 'to'], message: `must be after from (${a.from})` });
    });
  });

export type Windows = z.output<typeof windowsSchema>;

function isTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function localDayAndTime(ms: number, timezone: string): { day: (typeof DAYS)[number]; hhmm: string } {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: timezone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(
    ms,
  );
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return { day: get('weekday') as (typeof DAYS)[number], hhmm: `${get('hour')}:${get('minute')}` };
}

export function insideWindow(ms: number, windows: Windows): boolean {
  const { day, hhmm } = localDayAndTime(ms, windows.timezone);
  return windows.allowed.some((w) => w.days.includes(day) && hhmm >= w.from && hhmm < w.to);
}

/** The first minute at or after `ms` inside a window (`ms` itself when already inside). */
export function nextWindowStart(ms: number, windows: Windows): number {
  if (insideWindow(ms, windows)) return ms;
  const minute = 60_000;
  let t = Math.ceil(ms / minute) * minute;
  for (let i = 0; i < 8 * 24 * 60; i++, t += minute) {
    if (insideWindow(t, windows)) return t;
  }
  throw new RangeError('no deployment window opens within the next 8 days');
}
