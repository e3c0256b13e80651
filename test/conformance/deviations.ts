/**
 * Known, justified differences between the emulator and the botocore models. Each one is shown in the
 * conformance table of docs/emulator.md; the oracle skips exactly the checks listed here.
 */
export type CheckKind = 'valid' | 'required' | 'max' | 'min' | 'pattern' | 'enum' | 'range' | 'listMin' | 'listMax' | 'response';

export interface Deviation {
  /** `Prefix.Op`. */
  operation: string;
  check: CheckKind;
  /** The member path as AWS prints it (`productionVariants.1.member.variantName`); for `valid`, `minimal` or `full`. */
  path: string;
  why: string;
}

export const DEVIATIONS: Deviation[] = [
  {
    operation: 'AnyScaleFrontendService.PutScalingPolicy',
    check: 'valid',
    path: 'minimal',
    why: 'The model requires only the policy name and target; AWS requires TargetTrackingScalingPolicyConfiguration when PolicyType is TargetTrackingScaling (https://docs.aws.amazon.com/autoscaling/application/APIReference/API_PutScalingPolicy.html), a semantic rule the emulator keeps.',
  },
  {
    operation: 'AnyScaleFrontendService.PutScheduledAction',
    check: 'valid',
    path: 'minimal',
    why: 'The model marks Schedule optional because an update may leave it out; AWS requires it when the action is created (https://docs.aws.amazon.com/autoscaling/application/APIReference/API_PutScheduledAction.html), a semantic rule the emulator keeps.',
  },
  {
    operation: 'GraniteServiceVersion20100801.PutMetricAlarm',
    check: 'valid',
    path: 'minimal',
    why: 'botocore 1.44.8 marks only AlarmName required (Metrics Insights alarms need no EvaluationPeriods); the emulator emulates metric alarms, for which EvaluationPeriods and ComparisonOperator stay required (MissingParameter).',
  },
  {
    operation: 'SageMakerRuntime.InvokeEndpoint',
    check: 'required',
    path: 'body',
    why: 'Body is the HTTP payload: a request without it is an empty body on the wire, which the emulator (like any server) cannot tell apart from an empty Body; it is passed to the model.',
  },
];

export function deviationFor(operation: string, check: CheckKind, path: string): Deviation | undefined {
  return DEVIATIONS.find((d) => d.operation === operation && d.check === check && d.path === path);
}
