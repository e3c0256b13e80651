import { z } from 'zod';
import { AWS_NAME_PATTERN, AWS_NAME_RULE } from './names';
import { DURATION_PATTERN, DURATION_RULE } from './duration';

/** One rule an input broke: the field's dotted path and what was expected. */
export interface InputIssue {
  field: string;
  rule: string;
}

export type Validated<T> = { ok: true; value: T } | { ok: false; issues: InputIssue[] };

export function validate<S extends z.ZodType>(schema: S, input: unknown): Validated<z.output<S>> {
  const result = schema.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  return {
    ok: false,
    issues: result.error.issues.map((issue) => ({
      field: issue.path.length ? issue.path.join('.') : '(input)',
      rule: issue.message,
    })),
  };
}

export function describeIssues(issues: InputIssue[]): string {
  return issues.map((i) => `${i.field}: ${i.rule}`).join('; ');
}

// Field schemas shared by every pipeline's input, with messages that state the rule.

export const awsName = z
  .string({ error: `required: ${AWS_NAME_RULE}` })
  .regex(AWS_NAME_PATTERN, { error: (iss) => `must be ${AWS_NAME_RULE}; got ${JSON.stringify(iss.input)}` });

export const duration = z
  .string({ error: `must be ${DURATION_RULE}` })
  .regex(DURATION_PATTERN, { error: (iss) => `must be ${DURATION_RULE}; got ${JSON.stringify(iss.input)}` });

export const roleArn = z
  .string({ error: 'required: an IAM role ARN (arn:aws:iam::<account>:role/<name>)' })
  .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/, {
    error: (iss) => `must be an IAM role ARN (arn:aws:iam::<12-digit account>:role/<name>); got ${JSON.stringify(iss.input)}`,
  });

export const instanceType = z.string({ error: 'required: a SageMaker instance type such as ml.m5.large' }).regex(/^ml\.[a-z0-9-]+\.[a-z0-9]+$/, {
  error: (iss) => `must be a SageMaker instance type such as ml.m5.large; got ${JSON.stringify(iss.input)}`,
});

export const image = z
  .string({ error: 'required: a container image URI' })
  .min(1, { error: 'must not be empty' })
  .max(255, { error: 'must be at most 255 characters' })
  .regex(/^\S+$/, { error: 'must not contain whitespace' });

export const modelDataUrl = z
  .string({ error: 'required: an s3:// or https:// URL of the model artifacts' })
  .max(1024, { error: 'must be at most 1024 characters' })
  .regex(/^(https|s3):\/\/\S+$/, { error: (iss) => `must be an s3:// or https:// URL; got ${JSON.stringify(iss.input)}` });

export const metadata = z
  .record(
    z.string().min(1, { error: 'keys must be 1-128 characters' }).max(128, { error: 'keys must be 1-128 characters' }),
    z.string({ error: 'values must be strings' }).min(1, { error: 'values must be 1-256 characters' }).max(256, {
      error: 'values must be 1-256 characters',
    }),
  )
  .refine((m) => Object.keys(m).length <= 50, { error: 'at most 50 entries' });

export const environment = z
  .record(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]{0,1023}$/, { error: 'keys must be environment variable names' }), z.string().max(1024))
  .refine((m) => Object.keys(m).length <= 100, { error: 'at most 100 variables' });

export const instanceCount = z
  .number({ error: 'must be a whole number of instances' })
  .int({ error: 'must be a whole number of instances' })
  .min(1, { error: 'must be at least 1' })
  .max(100, { error: 'must be at most 100' });
