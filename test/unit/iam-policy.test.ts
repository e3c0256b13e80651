/**
 * docs/iam-policy.json grants the worker exactly what its activities call: the AWS operations are derived
 * from the source (every `new <Op>Command(` and SDK paginator `paginate<Op>(` in src/activities, attributed
 * to the AWS SDK client its file imports it from), never listed by hand, so a new activity without a policy update fails here,
 * and so does a grant no activity uses any more.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const repo = path.resolve(__dirname, '../..');
const ACTIVITIES = path.join(repo, 'src/activities');

/** IAM service prefix of each AWS SDK v3 client package the activities may use. */
const IAM_PREFIX: Record<string, string> = {
  '@aws-sdk/client-sagemaker': 'sagemaker',
  '@aws-sdk/client-sagemaker-runtime': 'sagemaker',
  '@aws-sdk/client-application-auto-scaling': 'application-autoscaling',
  '@aws-sdk/client-cloudwatch': 'cloudwatch',
  '@aws-sdk/client-resource-groups-tagging-api': 'tag',
};

/**
 * Permissions AWS checks on the caller beyond the action of the operation itself, per operation.
 * - CreateModel passes the execution role to SageMaker (iam:PassRole).
 * - The first RegisterScalableTarget for SageMaker in an account creates Application Auto Scaling's
 *   service-linked role (Application Auto Scaling User Guide, "Service-linked roles": permissions
 *   required to create a service-linked role).
 * - A SageMaker create that passes `Tags` also needs sagemaker:AddTags (tag-on-create): keyed
 *   `sagemaker:+Tags` below, added when any sagemaker command's arguments name `Tags`.
 * - Target tracking policies create and delete their CloudWatch alarms with the caller's permissions
 *   (SageMaker Developer Guide, "Auto scaling prerequisites"; the alarms are named TargetTracking-…).
 */
const REQUIRED_ALONGSIDE: Record<string, string[]> = {
  // SageMaker authorizes tags given in a Create* request as sagemaker:AddTags on the new resource.
  'sagemaker:+Tags': ['sagemaker:AddTags'],
  'sagemaker:CreateModel': ['iam:PassRole'],
  'application-autoscaling:RegisterScalableTarget': ['iam:CreateServiceLinkedRole'],
  'application-autoscaling:PutScalingPolicy': ['cloudwatch:PutMetricAlarm', 'cloudwatch:DescribeAlarms', 'cloudwatch:DeleteAlarms'],
  'application-autoscaling:DeleteScalingPolicy': ['cloudwatch:DescribeAlarms', 'cloudwatch:DeleteAlarms'],
  'application-autoscaling:DeregisterScalableTarget': ['cloudwatch:DescribeAlarms', 'cloudwatch:DeleteAlarms'],
};

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

const policy = JSON.parse(readFileSync(path.join(repo, 'docs/iam-policy.json'), 'utf8')) as { Version: string; Statement: Statement[] };
const list = (v: string | string[]) => (Array.isArray(v) ? v : [v]);

/** `sagemaker:CreateEndpoint`, … for every AWS SDK command an activity sends, with the file that sends it. */
function actionsCalledByActivities(dir = ACTIVITIES): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .sort()) {
    const source = readFileSync(path.join(dir, file), 'utf8');
    const origin = new Map<string, string>();
    for (const m of source.matchAll(/import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*'(@aws-sdk\/client-[a-z0-9-]+)'/g)) {
      for (const name of m[1]
        .split(',')
        .map(
          (n) =>
            n
              .trim()
              .replace(/^type\s+/, '')
              .split(/\s+as\s+/)[0],
        )
        .filter(Boolean))
        origin.set(name, m[2]);
    }
    // `new <Op>Command(` and the SDK's paginators, `paginate<Op>(`.
    for (const m of source.matchAll(/(?:new\s+([A-Za-z0-9]+)Command|\bpaginate([A-Z][A-Za-z0-9]+))\s*\(/g)) {
      const args = balancedArgs(source, (m.index ?? 0) + m[0].length);
      const op = m[1] ?? m[2]!;
      const pkg = origin.get(m[1] ? `${op}Command` : `paginate${op}`);
      assert.ok(pkg, `${file}: cannot tell which AWS SDK client ${op} comes from (import it by name from @aws-sdk/client-*)`);
      const prefix = IAM_PREFIX[pkg];
      assert.ok(prefix, `${file}: ${pkg} has no IAM prefix in this test: add it to IAM_PREFIX and grant its actions in docs/iam-policy.json`);
      for (const action of [`${prefix}:${op}`, ...(/\bTags\b/.test(args) ? [`${prefix}:+Tags`] : [])]) {
        found.set(action, [...new Set([...(found.get(action) ?? []), file])]);
      }
    }
  }
  return found;
}

/** The source text of a call's arguments, from just after its `(` to the matching `)`. */
function balancedArgs(source: string, start: number): string {
  let depth = 1;
  for (let i = start; i < source.length; i++) {
    if (source[i] === '(') depth++;
    else if (source[i] === ')' && --depth === 0) return source.slice(start, i);
  }
  return source.slice(start);
}

describe('worker IAM policy (docs/iam-policy.json)', () => {
  // `<prefix>:+Tags` marks "some create passes Tags": a trigger for REQUIRED_ALONGSIDE, not an IAM action.
  const calledWithMarkers = actionsCalledByActivities();
  const called = new Map([...calledWithMarkers].filter(([a]) => !a.includes(':+')));
  const triggers = [...calledWithMarkers.keys()];
  const granted = policy.Statement.flatMap((s) => list(s.Action));

  it('finds the AWS operations the activities send', () => {
    // Guards the scanner itself: the deploy pipeline's core calls must be seen.
    // DescribeScalingPolicies is sent only through its paginator (paginateDescribeScalingPolicies).
    for (const a of [
      'sagemaker:CreateModel',
      'sagemaker:CreateEndpoint',
      'sagemaker:DescribeEndpoint',
      'sagemaker:CreateModelPackage',
      'application-autoscaling:DescribeScalingPolicies',
    ]) {
      assert.ok(called.has(a), `expected ${a} among ${[...called.keys()].join(', ')}`);
    }
  });

  it('grants exactly the actions the activities need: no more, no fewer', () => {
    const needed = new Set([...called.keys(), ...triggers.flatMap((a) => REQUIRED_ALONGSIDE[a] ?? [])]);
    const missing = [...needed].filter((a) => !granted.includes(a)).sort();
    const unused = [...new Set(granted)].filter((a) => !needed.has(a)).sort();
    assert.deepEqual(missing, [], `called but not granted: ${missing.map((a) => `${a} (${called.get(a)?.join(', ') ?? 'required alongside'})`).join(', ')}`);
    assert.deepEqual(unused, [], 'granted but never called');
    assert.equal(granted.length, new Set(granted).size, 'each action is granted once');
  });

  it('names every action: no wildcards, only Allow', () => {
    assert.equal(policy.Version, '2012-10-17');
    for (const s of policy.Statement) {
      assert.equal(s.Effect, 'Allow', s.Sid);
      for (const a of list(s.Action)) assert.match(a, /^[a-z-]+:[A-Za-z]+$/, `${s.Sid}: ${a}`);
    }
  });

  it('scopes SageMaker writes to this account and region, and lists only where AWS allows no resource', () => {
    for (const s of policy.Statement) {
      const actions = list(s.Action);
      const anyResource = list(s.Resource).includes('*');
      if (!anyResource) continue;
      // Resource "*" only where the service supports no resource-level permissions for these actions.
      for (const a of actions) {
        assert.match(a, /^(sagemaker:List|application-autoscaling:|cloudwatch:GetMetricData$|tag:GetResources$)/, `${s.Sid}: ${a} must not be granted on "*"`);
      }
    }
    const sagemakerWrites = policy.Statement.filter((s) => list(s.Action).some((a) => /^sagemaker:(Create|Update|Delete)/.test(a)));
    for (const s of sagemakerWrites) {
      for (const r of list(s.Resource)) assert.match(r, /^arn:aws:sagemaker:\$\{REGION\}:\$\{ACCOUNT_ID\}:[a-z-]+\/\*$/, `${s.Sid}: ${r}`);
    }
  });

  it('passes only the execution role, only to SageMaker', () => {
    const [s, ...more] = policy.Statement.filter((st) => list(st.Action).includes('iam:PassRole'));
    assert.equal(more.length, 0);
    assert.deepEqual(list(s.Action), ['iam:PassRole']);
    assert.deepEqual(list(s.Resource), ['arn:aws:iam::${ACCOUNT_ID}:role/${EXECUTION_ROLE_NAME}']);
    assert.deepEqual(s.Condition, { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } });
  });

  it('creates only the SageMaker endpoint service-linked role of Application Auto Scaling', () => {
    const [s, ...more] = policy.Statement.filter((st) => list(st.Action).includes('iam:CreateServiceLinkedRole'));
    assert.equal(more.length, 0);
    assert.deepEqual(list(s.Resource), [
      'arn:aws:iam::${ACCOUNT_ID}:role/aws-service-role/sagemaker.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint',
    ]);
    assert.deepEqual(s.Condition, { StringLike: { 'iam:AWSServiceName': 'sagemaker.application-autoscaling.amazonaws.com' } });
  });
});
