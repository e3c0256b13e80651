/** The endpoint delete pipeline's input. */
import { z } from 'zod';
import { pollPolicySchema } from '../schemas';
import { awsName, duration } from '../validation';

export const deleteInputSchema = z.strictObject({
  /** The endpoint to delete. One already gone is not an error: its leftovers are cleaned up. */
  endpointName: awsName,
  /**
   * Also delete the endpoint's configs and their models (those no other config uses). false keeps them,
   * like MLflow's "archive" choice, so the endpoint can be re-created from them. @default true
   */
  deleteConfigsAndModels: z.boolean({ error: 'must be true or false' }).default(true),
  /** Deadline for the endpoint to settle (if it is updating) and be gone. @default '60m' */
  deleteTimeout: duration.default('60m'),
  /** How the waits poll DescribeEndpoint. */
  poll: pollPolicySchema.default({}),
});

export type DeleteInput = z.input<typeof deleteInputSchema>;
export type DeleteRequest = z.output<typeof deleteInputSchema>;
