/** The endpoint update pipeline's input: what to change on which endpoint. */
import { z } from 'zod';
import { pollPolicySchema } from '../schemas';
import { awsName, duration, instanceCount, instanceType } from '../validation';

const weight = z.number({ error: 'must be a number (weights are relative: 95 and 5 split traffic 95%/5%)' }).min(0, { error: 'must be 0 or more' });

/** A change to a variant the endpoint has; fields left out keep their current values. */
const variantChange = z
  .strictObject({
    variantName: awsName,
    modelName: awsName.optional(),
    instanceType: instanceType.optional(),
    instanceCount: instanceCount.optional(),
    weight: weight.optional(),
  })
  .refine((c) => c.modelName !== undefined || c.instanceType !== undefined || c.instanceCount !== undefined || c.weight !== undefined, {
    error: 'must change at least one of modelName, instanceType, instanceCount, weight',
  });

/** A variant the endpoint does not have yet. */
const variantAddition = z.strictObject({
  variantName: awsName,
  modelName: awsName,
  instanceType,
  /** @default 1 */
  instanceCount: instanceCount.default(1),
  /** @default 1 */
  weight: weight.default(1),
});

/** Input of the endpoint update pipeline. */
export const updateInputSchema = z
  .strictObject({
    /** The endpoint to update; it must exist. */
    endpointName: awsName,
    /** Variants to change (model, instance type, instance count, weight). */
    change: z.array(variantChange).default([]),
    /** Variants to add. */
    add: z.array(variantAddition).default([]),
    /** Names of variants to remove. */
    remove: z.array(awsName).default([]),
    /**
     * Instance counts to raise variants to before the update, with UpdateEndpointWeightsAndCapacities:
     * autoscaling cannot add capacity while the update runs (AWS advice). Variant name → instance count.
     */
    raiseCapacityDuringUpdate: z.record(awsName, instanceCount).optional(),
    /** UpdateEndpoint's RetainAllVariantProperties: kept variants keep their live counts and weights. @default true */
    retainAllVariantProperties: z.boolean({ error: 'must be true or false' }).default(true),
    /** Deadline for each wait for InService (before and after the update). @default '60m' */
    inServiceTimeout: duration.default('60m'),
    /** How the InService waits poll DescribeEndpoint. */
    poll: pollPolicySchema.default({}),
  })
  .superRefine((input, ctx) => {
    if (!input.change.length && !input.add.length && !input.remove.length) {
      ctx.addIssue({ code: 'custom', path: ['change'], message: 'nothing to update: give at least one variant to change, add or remove' });
    }
    const seen = new Set<string>();
    const named: Array<[string, Array<string | number>]> = [
      ...input.change.map((c, i): [string, Array<string | number>] => [c.variantName, ['change', i, 'variantName']]),
      ...input.add.map((a, i): [string, Array<string | number>] => [a.variantName, ['add', i, 'variantName']]),
      ...input.remove.map((r, i): [string, Array<string | number>] => [r, ['remove', i]]),
    ];
    for (const [name, path] of named) {
      if (seen.has(name)) ctx.addIssue({ code: 'custom', path, message: `variant ${name} is named more than once in change/add/remove` });
      seen.add(name);
    }
  });

export type UpdateInput = z.input<typeof updateInputSchema>;
export type UpdateRequest = z.output<typeof updateInputSchema>;
