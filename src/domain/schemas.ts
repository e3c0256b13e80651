/**
 * Field schemas that several pipelines' inputs share: one definition each, so that a rule changes in one
 * place. Pure: zod only.
 */
import { z } from 'zod';
import { duration } from './validation';

/** How a pipeline's waits poll DescribeEndpoint: from `min` between polls, growing by `backoff`, up to `max`. */
export const pollPolicySchema = z.strictObject({
  /** First interval between polls. */
  min: duration.optional(),
  /** Longest interval between polls. */
  max: duration.optional(),
  /** Factor by which the interval grows after each poll (1 to 10). */
  backoff: z.number().min(1, { error: 'must be at least 1' }).max(10, { error: 'must be at most 10' }).optional(),
  /** How long an endpoint may stay OutOfService before a wait on it fails (default 10m). */
  outOfService: duration.optional(),
});
