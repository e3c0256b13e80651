/**
 * Property-based tests of every pipeline input schema (what the workflows and the CLI validate): for
 * generated valid inputs with one thing broken (a wrong type, a missing field, a bad name or pattern, an
 * out-of-range number, a non-increasing ramp, an unknown field, …), validation refuses the input with an
 * issue that names the broken field and states a rule.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { z } from 'zod';
import { canaryInputSchema } from '../../src/domain/canary/input';
import { deleteInputSchema } from '../../src/domain/delete/input';
import { deployInputSchema } from '../../src/domain/deploy/input';
import { DURATION_PATTERN } from '../../src/domain/duration';
import { AWS_NAME_PATTERN } from '../../src/domain/names';
import { updateInputSchema } from '../../src/domain/update/input';
import { validate } from '../../src/domain/validation';

type Path = Array<string | number>;
type Input = Record<string, unknown>;
/** A broken input and the field (dotted path) an issue must name. */
type Broken = { input: unknown; field: string; what: string };

// ----------------------------------------------------------------------------------- valid inputs

const validName = fc.stringMatching(AWS_NAME_PATTERN);
const validDuration = fc.tuple(fc.integer({ min: 1, max: 999 }), fc.constantFrom('ms', 's', 'm', 'h', 'd')).map(([n, u]) => `${n}${u}`);
const validRole = fc.tuple(fc.stringMatching(/^\d{12}$/), fc.stringMatching(/^[\w+=,.@-]{1,40}$/)).map(([acct, name]) => `arn:aws:iam::${acct}:role/${name}`);
const validInstanceType = fc.tuple(fc.stringMatching(/^[a-z0-9-]{1,8}$/), fc.stringMatching(/^[a-z0-9]{1,8}$/)).map(([f, s]) => `ml.${f}.${s}`);
const validImage = fc.stringMatching(/^\S{1,120}$/);
const validUrl = fc.tuple(fc.constantFrom('s3', 'https'), fc.stringMatching(/^\S{1,100}$/)).map(([p, rest]) => `${p}://${rest}`);
// CloudWatch's periods: 1, 5, 10, 20, 30 s or whole minutes.
const validMetricPeriod = fc.oneof(
  fc.constantFrom('1s', '5s', '10s', '20s', '30s', '30000ms'),
  fc.integer({ min: 1, max: 999 }).map((n) => `${n}m`),
  fc.integer({ min: 1, max: 99 }).map((n) => `${n * 60}s`),
);
const validPoll = fc.record({ min: validDuration, max: validDuration, backoff: fc.double({ min: 1, max: 10, noNaN: true }) }, { requiredKeys: [] });

const validDeploy = fc.record(
  {
    endpointName: validName,
    model: fc.record(
      { name: validName, image: validImage, modelDataUrl: validUrl, description: fc.string({ maxLength: 100 }) },
      { requiredKeys: ['name', 'image', 'modelDataUrl'] },
    ),
    executionRoleArn: validRole,
    instanceType: validInstanceType,
    instanceCount: fc.integer({ min: 1, max: 100 }),
    variantName: validName,
    stage: fc.constantFrom('Staging', 'Production'),
    autoApprove: fc.boolean(),
    approvalTimeout: validDuration,
    inServiceTimeout: validDuration,
    poll: validPoll,
  },
  { requiredKeys: ['endpointName', 'model', 'executionRoleArn', 'instanceType'] },
);

/** Strictly increasing percentages ending at 100. */
const validSteps = fc.uniqueArray(fc.integer({ min: 1, max: 99 }), { minLength: 1, maxLength: 6 }).map((s) => [...s.sort((a, b) => a - b), 100]);

const validCanary = fc
  .record(
    {
      endpointName: validName,
      model: fc.record({ name: validName, version: fc.integer({ min: 1, max: 10_000 }) }),
      executionRoleArn: validRole,
      steps: validSteps,
      bake: validDuration,
      gate: fc.record(
        {
          maxErrorRate: fc.double({ min: 0, max: 1, noNaN: true }),
          minInvocations: fc.integer({ min: 1, max: 1000 }),
          metricPeriod: validMetricPeriod,
          onInconclusive: fc.constantFrom('wait', 'pause', 'fail'),
        },
        { requiredKeys: [] },
      ),
      progressDeadline: validDuration,
      keepSuperseded: fc.boolean(),
      webhookUrl: fc.webUrl({ validSchemes: ['http', 'https'] }),
      poll: validPoll,
    },
    { requiredKeys: ['endpointName', 'model', 'executionRoleArn', 'steps'] },
  )
  .chain((c) => fc.subarray(c.steps as number[]).map((approvalSteps) => ({ ...c, approvalSteps })));

/** Distinct variant names spread over change, add and remove. */
const validUpdate = fc
  .record({
    names: fc.uniqueArray(validName, { minLength: 1, maxLength: 4 }),
    endpointName: validName,
    modelName: validName,
    instanceType: validInstanceType,
    count: fc.integer({ min: 1, max: 100 }),
    weight: fc.double({ min: 0, max: 100, noNaN: true }),
    inServiceTimeout: validDuration,
  })
  .map(({ names, endpointName, modelName, instanceType, count, weight, inServiceTimeout }) => {
    const [first, ...rest] = names;
    return {
      endpointName,
      change: [{ variantName: first, instanceType, instanceCount: count }],
      add: rest.slice(0, 1).map((variantName) => ({ variantName, modelName, instanceType, weight })),
      remove: rest.slice(1),
      raiseCapacityDuringUpdate: { [first]: count },
      inServiceTimeout,
    } as Input;
  });

const validDelete = fc.record(
  { endpointName: validName, deleteConfigsAndModels: fc.boolean(), deleteTimeout: validDuration, poll: validPoll },
  { requiredKeys: ['endpointName'] },
);

// ---------------------------------------------------------------------------------------- breakage

function setAt(input: unknown, path: Path, value: unknown): unknown {
  const copy = structuredClone(input) as Input;
  let node = copy as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) {
    if (node[key] === undefined || node[key] === null || typeof node[key] !== 'object') node[key] = typeof path[path.indexOf(key) + 1] === 'number' ? [] : {};
    node = node[key] as Record<string | number, unknown>;
  }
  node[path[path.length - 1]] = value;
  return copy;
}

function deleteAt(input: unknown, path: Path): unknown {
  const copy = structuredClone(input) as Input;
  let node = copy as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  delete node[path[path.length - 1]];
  return copy;
}

const notString = fc.oneof(
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 2 }),
  fc.dictionary(fc.string(), fc.string(), { maxKeys: 2 }),
);
const notNumber = fc.oneof(
  fc.string(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(Number.NaN),
  fc.constant(Number.POSITIVE_INFINITY),
  fc.array(fc.integer(), { maxLength: 2 }),
);
const notBoolean = fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.constantFrom('true', 'false', 0, 1));

const badName = fc.oneof(
  fc.string({ maxLength: 80 }).filter((s) => !AWS_NAME_PATTERN.test(s)),
  fc.constantFrom('', '-lead', 'trail-', 'under_score', 'dot.ted', 'sp ace', 'x'.repeat(64), 'ünïcode'),
  notString,
);
const badDuration = fc.oneof(
  fc.string({ maxLength: 12 }).filter((s) => !DURATION_PATTERN.test(s)),
  fc.constantFrom('90', '10 m', '1w', '-5s', 'm10', ''),
  notString,
);
const badRole = fc.oneof(
  fc.string({ maxLength: 60 }).filter((s) => !s.startsWith('arn:aws')),
  fc.constantFrom('arn:aws:iam::12345:role/x', 'arn:aws:iam::123456789012:user/x', 'arn:aws:s3:::bucket', 'role/sagemaker'),
  notString,
);
const badInstanceType = fc.oneof(
  fc.string({ maxLength: 20 }).filter((s) => !/^ml\.[a-z0-9-]+\.[a-z0-9]+$/.test(s)),
  fc.constantFrom('m5.large', 'ml.m5', 'ML.M5.LARGE', 'ml.m5.large '),
  notString,
);
const badCount = fc.oneof(
  fc.integer({ max: 0 }),
  fc.integer({ min: 101 }),
  fc.double({ min: 1.01, max: 99.99, noNaN: true }).filter((x) => !Number.isInteger(x)),
  notNumber,
);
const badUrl = fc.oneof(
  fc.constantFrom('ftp://x/y', 'file:///m.tar.gz', 's3:/x', 'models/m.tar.gz', 's3://', 'https://has space'),
  fc.constant(`s3://${'x'.repeat(1030)}`),
  notString,
);
const badBackoff = fc.oneof(fc.double({ max: 0.999, noNaN: true }), fc.double({ min: 10.001, max: 1e6, noNaN: true }), notNumber);
const unknownKey = fc.stringMatching(/^[a-z][a-zA-Z]{2,12}$/);

/** One field broken in a generated valid input. */
const breakField = (valid: fc.Arbitrary<unknown>, path: Path, bad: fc.Arbitrary<unknown>, what: string): fc.Arbitrary<Broken> =>
  fc.tuple(valid, bad).map(([input, value]) => ({ input: setAt(input, path, value), field: path.join('.'), what }));

const dropField = (valid: fc.Arbitrary<unknown>, path: Path): fc.Arbitrary<Broken> =>
  valid.map((input) => ({ input: deleteAt(input, path), field: path.join('.'), what: 'missing' }));

/** An unknown field: the issue names the object holding it (`(input)` at the top) and the key in its rule. */
const addUnknown = (valid: fc.Arbitrary<unknown>, parent: Path, known: string[]): fc.Arbitrary<Broken> =>
  fc
    .tuple(
      valid,
      unknownKey.filter((k) => !known.includes(k)),
      fc.jsonValue(),
    )
    .map(([input, key, value]) => ({
      input: setAt(input, [...parent, key], value),
      field: parent.length ? parent.join('.') : '(input)',
      what: `unknown field ${key}`,
    }));

function assertRefused(schema: z.ZodType, { input, field, what }: Broken): void {
  const r = validate(schema, input);
  assert.equal(r.ok, false, `${what} at ${field} was accepted: ${JSON.stringify(input)}`);
  if (r.ok) return;
  const issue = r.issues.find((i) => i.field === field);
  assert.ok(issue, `${what}: no issue names ${field}; issues: ${JSON.stringify(r.issues)}`);
  assert.ok(issue.rule.trim().length > 0, `${what}: the issue for ${field} states no rule`);
  if (what.startsWith('unknown field ')) assert.match(issue.rule, new RegExp(what.slice('unknown field '.length)));
}

function property(schema: z.ZodType, cases: fc.Arbitrary<Broken>): void {
  fc.assert(
    fc.property(cases, (broken) => assertRefused(schema, broken)),
    { numRuns: 150 },
  );
}

function acceptsValid(schema: z.ZodType, valid: fc.Arbitrary<unknown>): void {
  fc.assert(
    fc.property(valid, (input) => {
      const r = validate(schema, input);
      assert.ok(r.ok, `valid input refused: ${JSON.stringify(r.ok ? [] : r.issues)} for ${JSON.stringify(input)}`);
    }),
    { numRuns: 150 },
  );
}

// ------------------------------------------------------------------------------------------ tests

describe('deploy input (deployModel, modelship deploy)', () => {
  it('accepts every generated valid input (so the breakages below are what is refused)', () => acceptsValid(deployInputSchema, validDeploy));
  it('refuses a bad name in any name field, naming it', () =>
    property(
      deployInputSchema,
      fc.oneof(...[['endpointName'], ['model', 'name'], ['variantName']].map((p) => breakField(validDeploy, p, badName, 'bad name'))),
    ));
  it('refuses bad role ARNs, instance types, images and artifact URLs', () =>
    property(
      deployInputSchema,
      fc.oneof(
        breakField(validDeploy, ['executionRoleArn'], badRole, 'bad role'),
        breakField(validDeploy, ['instanceType'], badInstanceType, 'bad instance type'),
        breakField(validDeploy, ['model', 'image'], fc.oneof(fc.constantFrom('', 'has space', 'x'.repeat(256)), notString), 'bad image'),
        breakField(validDeploy, ['model', 'modelDataUrl'], badUrl, 'bad url'),
      ),
    ));
  it('refuses out-of-range or non-integer instance counts and bad durations, booleans, stages and poll backoffs', () =>
    property(
      deployInputSchema,
      fc.oneof(
        breakField(validDeploy, ['instanceCount'], badCount, 'bad count'),
        breakField(validDeploy, ['approvalTimeout'], badDuration, 'bad duration'),
        breakField(validDeploy, ['inServiceTimeout'], badDuration, 'bad duration'),
        breakField(validDeploy, ['poll', 'min'], badDuration, 'bad duration'),
        breakField(validDeploy, ['poll', 'backoff'], badBackoff, 'bad backoff'),
        breakField(validDeploy, ['autoApprove'], notBoolean, 'not a boolean'),
        breakField(validDeploy, ['archiveExisting'], notBoolean, 'not a boolean'),
        breakField(validDeploy, ['stage'], fc.oneof(fc.constantFrom('production', 'Archived', 'None', ''), notString), 'bad stage'),
      ),
    ));
  it('refuses a missing required field and an unknown field at any level', () =>
    property(
      deployInputSchema,
      fc.oneof(
        ...[['endpointName'], ['model'], ['model', 'name'], ['model', 'image'], ['model', 'modelDataUrl'], ['executionRoleArn'], ['instanceType']].map((p) =>
          dropField(validDeploy, p),
        ),
        addUnknown(validDeploy, [], Object.keys(deployInputSchema.shape)),
        addUnknown(validDeploy, ['model'], ['name', 'image', 'modelDataUrl', 'description', 'metadata', 'environment']),
        addUnknown(validDeploy, ['poll'], ['min', 'max', 'backoff']),
      ),
    ));
  it('refuses an input that is not an object at all', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.array(fc.jsonValue(), { maxLength: 3 })), (input) => {
        const r = validate(deployInputSchema, input);
        assert.equal(r.ok, false);
        if (!r.ok) assert.ok(r.issues.some((i) => i.field === '(input)' && i.rule.length > 0));
      }),
    );
  });
});

/** A ramp that goes down or stays level somewhere (and still ends at 100, so only that is wrong). */
const nonIncreasingSteps = fc.tuple(fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 1, maxLength: 5 }), fc.nat()).map(([s, i]) => {
  const steps = [...s, 100];
  const at = i % (steps.length - 1 || 1);
  steps.splice(at + 1, 0, steps[at]); // a repeat: never strictly increasing
  return steps;
});

describe('canary input (canaryRollout, modelship canary)', () => {
  it('accepts every generated valid input', () => acceptsValid(canaryInputSchema, validCanary));
  it('refuses non-increasing ramps, ramps not ending at 100, empty ones, [100] alone and steps out of (0, 100]', () =>
    property(
      canaryInputSchema,
      fc.oneof(
        breakField(validCanary, ['steps'], fc.constant([100]), 'no step below 100').map((b) => ({ ...b, input: { ...(b.input as Input), approvalSteps: [] } })),
        breakField(validCanary, ['steps'], nonIncreasingSteps, 'non-increasing steps').map((b) => ({
          ...b,
          input: { ...(b.input as Input), approvalSteps: [] },
        })),
        breakField(
          validCanary,
          ['steps'],
          validSteps.map((s) => s.slice(0, -1)).filter((s) => s.length > 0),
          'not ending at 100',
        ).map((b) => ({ ...b, input: { ...(b.input as Input), approvalSteps: [] } })),
        breakField(validCanary, ['steps'], fc.constant([]), 'empty ramp').map((b) => ({ ...b, input: { ...(b.input as Input), approvalSteps: [] } })),
        breakField(validCanary, ['steps', 0], fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 101 }), notNumber), 'step out of range'),
        breakField(
          validCanary,
          ['steps'],
          notString.filter((v) => !Array.isArray(v)),
          'not a list',
        ),
      ),
    ));
  it('refuses approval steps that are not steps of the ramp', () =>
    property(
      canaryInputSchema,
      validCanary.chain((c) =>
        fc
          .integer({ min: 1, max: 100 })
          .filter((x) => !(c.steps as number[]).includes(x))
          .map((x) => ({ input: { ...c, approvalSteps: [x] }, field: 'approvalSteps', what: 'approval step not in ramp' })),
      ),
    ));
  it('refuses a dry-run gate (a ramp that skips the gate) unless force is set, and accepts it with force', () => {
    property(
      canaryInputSchema,
      validCanary.map((c) => ({
        input: { ...c, gate: { ...(c.gate as Input), dryRun: true }, force: false },
        field: 'gate.dryRun',
        what: 'dry run without force',
      })),
    );
    fc.assert(fc.property(validCanary, (c) => assert.ok(validate(canaryInputSchema, { ...c, gate: { ...(c.gate as Input), dryRun: true }, force: true }).ok)));
  });
  it('refuses bad names, versions, roles, durations, gate limits, webhooks and windows', () =>
    property(
      canaryInputSchema,
      fc.oneof(
        breakField(validCanary, ['endpointName'], badName, 'bad name'),
        breakField(validCanary, ['model', 'name'], badName, 'bad name'),
        breakField(validCanary, ['canary', 'variantName'], badName, 'bad name'),
        breakField(
          validCanary,
          ['model', 'version'],
          fc.oneof(fc.integer({ max: 0 }), fc.double({ min: 1.1, max: 9.9, noNaN: true }), notNumber),
          'bad version',
        ),
        breakField(validCanary, ['executionRoleArn'], badRole, 'bad role'),
        breakField(validCanary, ['canary', 'instanceType'], badInstanceType, 'bad instance type'),
        breakField(validCanary, ['canary', 'instanceCount'], badCount, 'bad count'),
        breakField(validCanary, ['bake'], badDuration, 'bad duration'),
        breakField(validCanary, ['progressDeadline'], badDuration, 'bad duration'),
        breakField(
          validCanary,
          ['gate', 'maxErrorRate'],
          fc.oneof(fc.double({ min: 1.0001, max: 1e6, noNaN: true }), fc.double({ min: -1e6, max: -0.0001, noNaN: true }), notNumber),
          'bad rate',
        ),
        breakField(validCanary, ['gate', 'maxLatencyRatio'], fc.oneof(fc.double({ min: -10, max: 0.999, noNaN: true }), notNumber), 'bad ratio'),
        breakField(
          validCanary,
          ['gate', 'minInvocations'],
          fc.oneof(fc.integer({ max: 0 }), fc.double({ min: 1.1, max: 9.9, noNaN: true }), notNumber),
          'bad minimum',
        ),
        breakField(
          validCanary,
          ['gate', 'metricPeriod'],
          fc.oneof(fc.constantFrom('2s', '45s', '90s', '1500ms', '0s'), badDuration),
          'not a CloudWatch period',
        ),
        breakField(validCanary, ['gate', 'onInconclusive'], fc.oneof(fc.constantFrom('retry', 'WAIT', ''), notString), 'bad choice'),
        breakField(validCanary, ['gate', 'alarms'], fc.array(fc.string(), { minLength: 11, maxLength: 15 }), 'too many alarms'),
        breakField(
          validCanary,
          ['webhookUrl'],
          fc.oneof(fc.constantFrom('ftp://hooks.example.com/x', 'not a url', 'file:///etc/passwd', ''), notString),
          'bad webhook',
        ),
        breakField(validCanary, ['windows', 'timezone'], fc.constantFrom('Mars/Olympus', 'UTC+25', 'Europe/Nowhere'), 'bad timezone').map((b) => ({
          ...b,
          input: setAt(b.input, ['windows', 'allowed'], [{ days: ['Mon'], from: '09:00', to: '17:00' }]),
        })),
        breakField(validCanary, ['windows'], fc.constant({ allowed: [{ days: ['Mon'], from: '17:00', to: '09:00' }] }), 'window ends before it starts').map(
          (b) => ({ ...b, field: 'windows.allowed.0.to' }),
        ),
        breakField(validCanary, ['windows'], fc.constant({ allowed: [{ days: ['Someday'], from: '09:00', to: '17:00' }] }), 'bad day').map((b) => ({
          ...b,
          field: 'windows.allowed.0.days.0',
        })),
      ),
    ));
  it('refuses a missing required field and unknown fields', () =>
    property(
      canaryInputSchema,
      fc.oneof(
        ...[['endpointName'], ['model'], ['model', 'version'], ['executionRoleArn']].map((p) => dropField(validCanary, p)),
        addUnknown(
          validCanary,
          [],
          [
            'endpointName',
            'model',
            'executionRoleArn',
            'canary',
            'steps',
            'approvalSteps',
            'bake',
            'gate',
            'progressDeadline',
            'inServiceTimeout',
            'windows',
            'keepSuperseded',
            'force',
            'webhookUrl',
            'poll',
          ],
        ),
        addUnknown(validCanary, ['gate'], Object.keys(canaryGateKeys)),
        addUnknown(validCanary, ['model'], ['name', 'version']),
      ),
    ));
});

const canaryGateKeys = {
  maxErrorRate: 1,
  maxErrorRateIncrease: 1,
  maxP99LatencyMs: 1,
  maxLatencyRatio: 1,
  minInvocations: 1,
  onInconclusive: 1,
  maxInconclusive: 1,
  alarms: 1,
  dryRun: 1,
  metricPeriod: 1,
};

describe('update input (updateSageMakerEndpoint, modelship update)', () => {
  it('accepts every generated valid input', () => acceptsValid(updateInputSchema, validUpdate));
  it('refuses an update that changes nothing, a change entry without a change, and a variant named twice', () =>
    property(
      updateInputSchema,
      fc.oneof(
        validUpdate.map((u) => ({ input: { endpointName: u.endpointName }, field: 'change', what: 'nothing to update' })),
        validUpdate.map((u) => ({ input: { ...u, change: [{ variantName: (u.change as Input[])[0].variantName }] }, field: 'change.0', what: 'empty change' })),
        validUpdate.map((u) => ({
          input: { ...u, remove: [...(u.remove as string[]), (u.change as Input[])[0].variantName] },
          field: `remove.${(u.remove as string[]).length}`,
          what: 'named twice',
        })),
      ),
    ));
  it('refuses bad names, instance types, counts, weights, capacities and durations', () =>
    property(
      updateInputSchema,
      fc.oneof(
        breakField(validUpdate, ['endpointName'], badName, 'bad name'),
        breakField(validUpdate, ['change', 0, 'variantName'], badName, 'bad name'),
        breakField(validUpdate, ['change', 0, 'modelName'], badName, 'bad name'),
        breakField(validUpdate, ['change', 0, 'instanceType'], badInstanceType, 'bad instance type'),
        breakField(validUpdate, ['change', 0, 'instanceCount'], badCount, 'bad count'),
        breakField(validUpdate, ['change', 0, 'weight'], fc.oneof(fc.double({ min: -1e6, max: -0.0001, noNaN: true }), notNumber), 'bad weight'),
        breakField(validUpdate, ['remove', 0], badName, 'bad name'),
        validUpdate.chain((u) =>
          badCount.map((count) => {
            const name = (u.change as Input[])[0].variantName as string;
            return { input: { ...u, raiseCapacityDuringUpdate: { [name]: count } }, field: `raiseCapacityDuringUpdate.${name}`, what: 'bad capacity' };
          }),
        ),
        breakField(validUpdate, ['retainAllVariantProperties'], notBoolean, 'not a boolean'),
        breakField(validUpdate, ['inServiceTimeout'], badDuration, 'bad duration'),
        breakField(validUpdate, ['poll', 'backoff'], badBackoff, 'bad backoff'),
      ),
    ));
  it('refuses a missing endpoint name, a new variant without its model or instance type, and unknown fields', () =>
    property(
      updateInputSchema,
      fc.oneof(
        dropField(validUpdate, ['endpointName']),
        validUpdate.map((u) => ({ input: { ...u, add: [{ variantName: 'NewOne', instanceType: 'ml.m5.large' }] }, field: 'add.0.modelName', what: 'missing' })),
        validUpdate.map((u) => ({ input: { ...u, add: [{ variantName: 'NewOne', modelName: 'm' }] }, field: 'add.0.instanceType', what: 'missing' })),
        addUnknown(
          validUpdate,
          [],
          ['endpointName', 'change', 'add', 'remove', 'raiseCapacityDuringUpdate', 'retainAllVariantProperties', 'inServiceTimeout', 'poll'],
        ),
        addUnknown(validUpdate, ['change', 0], ['variantName', 'modelName', 'instanceType', 'instanceCount', 'weight']),
      ),
    ));
});

describe('delete input (deleteSageMakerEndpoint, modelship delete)', () => {
  it('accepts every generated valid input', () => acceptsValid(deleteInputSchema, validDelete));
  it('refuses a bad or missing endpoint name, bad booleans, durations and poll policies, and unknown fields', () =>
    property(
      deleteInputSchema,
      fc.oneof(
        breakField(validDelete, ['endpointName'], badName, 'bad name'),
        dropField(validDelete, ['endpointName']),
        breakField(validDelete, ['deleteConfigsAndModels'], notBoolean, 'not a boolean'),
        breakField(validDelete, ['deleteTimeout'], badDuration, 'bad duration'),
        breakField(validDelete, ['poll', 'max'], badDuration, 'bad duration'),
        breakField(validDelete, ['poll', 'backoff'], badBackoff, 'bad backoff'),
        addUnknown(validDelete, [], ['endpointName', 'deleteConfigsAndModels', 'deleteTimeout', 'poll']),
      ),
    ));
});
