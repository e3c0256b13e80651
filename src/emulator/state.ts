/**
 * Everything the emulator knows, in one object. Records are plain data (camelCase, timestamps in
 * epoch milliseconds) so the state can be dumped for leak checks and persisted as JSON; operations
 * convert to AWS wire shapes (PascalCase, epoch seconds) at the edge.
 */

export const EndpointStatus = {
  OutOfService: 'OutOfService',
  Creating: 'Creating',
  Updating: 'Updating',
  SystemUpdating: 'SystemUpdating',
  RollingBack: 'RollingBack',
  InService: 'InService',
  Deleting: 'Deleting',
  Failed: 'Failed',
  UpdateRollbackFailed: 'UpdateRollbackFailed',
} as const;
export type EndpointStatus = (typeof EndpointStatus)[keyof typeof EndpointStatus];

/** How a container image behaves when deployed and invoked. Keyed by container `Image` (or model name). */
export interface ModelBehaviour {
  /** Default true. false: CreateEndpoint ends `Failed`, UpdateEndpoint rolls back to the old config. */
  healthy?: boolean;
  /** FailureReason reported when unhealthy. */
  failureReason?: string;
  /** 0..1 share of invocations answered with a model 5xx (`ModelError`). */
  errorRate?: number;
  /** 0..1 share of invocations answered with a model 4xx (`ModelError`). */
  clientErrorRate?: number;
  /** Model latency per invocation, milliseconds. */
  latencyMs?: number;
  /** Uniform jitter added to latencyMs, milliseconds. */
  latencyJitterMs?: number;
}

export interface ContainerRecord {
  image?: string;
  modelDataUrl?: string;
  modelPackageName?: string;
  environment?: Record<string, string>;
  /** The container as sent, for DescribeModel. */
  raw: Record<string, unknown>;
}

export interface ModelRecord {
  name: string;
  arn: string;
  creationTime: number;
  executionRoleArn?: string;
  primaryContainer?: ContainerRecord;
  containers?: ContainerRecord[];
  /** The remaining input members (VpcConfig, InferenceExecutionConfig, ...) echoed by DescribeModel. */
  extra: Record<string, unknown>;
  tags: Tag[];
}

export interface Tag {
  Key: string;
  Value: string;
}

export interface ServerlessConfig {
  MemorySizeInMB: number;
  MaxConcurrency: number;
  ProvisionedConcurrency?: number;
}

export interface ProductionVariantRecord {
  variantName: string;
  modelName: string;
  instanceType?: string;
  initialInstanceCount?: number;
  /** AWS: defaults to 1.0 when omitted. */
  initialVariantWeight: number;
  serverlessConfig?: ServerlessConfig;
  /** The variant as sent, for DescribeEndpointConfig. */
  raw: Record<string, unknown>;
}

export interface EndpointConfigRecord {
  name: string;
  arn: string;
  creationTime: number;
  productionVariants: ProductionVariantRecord[];
  dataCaptureConfig?: Record<string, unknown>;
  /** Remaining members (KmsKeyId, AsyncInferenceConfig, ShadowProductionVariants, ...) echoed by Describe. */
  extra: Record<string, unknown>;
  tags: Tag[];
}

export const VariantStatusValue = {
  Creating: 'Creating',
  Updating: 'Updating',
  Deleting: 'Deleting',
  ActivatingTraffic: 'ActivatingTraffic',
  Baking: 'Baking',
} as const;
export type VariantStatusValue = (typeof VariantStatusValue)[keyof typeof VariantStatusValue];

export interface VariantStatusRecord {
  status: VariantStatusValue;
  statusMessage?: string;
  startTime: number;
}

/** One variant of a fleet (serving or pending). The runtime routes on currentWeight/currentInstanceCount. */
export interface EndpointVariantRecord {
  variantName: string;
  modelName: string;
  /** Image resolved when the fleet was built (DeployedImages). */
  image?: string;
  instanceType?: string;
  serverlessConfig?: ServerlessConfig;
  currentWeight: number;
  desiredWeight: number;
  currentInstanceCount: number;
  desiredInstanceCount: number;
  variantStatus: VariantStatusRecord[];
  deployedAt: number;
}

/** A fleet being built by CreateEndpoint / UpdateEndpoint (PendingDeploymentSummary). */
export interface PendingDeploymentRecord {
  endpointConfigName: string;
  startTime: number;
  variants: EndpointVariantRecord[];
  /** Data capture the endpoint gets when the deployment succeeds (null: none). */
  dataCaptureConfig?: Record<string, unknown> | null;
  /** DeploymentConfig.AutoRollbackConfiguration alarm names: any in ALARM when the update ends rolls it back. */
  autoRollbackAlarms?: string[];
}

export const TransitionKind = {
  Create: 'create',
  Update: 'update',
  Weights: 'weights',
  Delete: 'delete',
  /** OutOfService -> InService (the outOfService fault's `forMs`). */
  Recover: 'recover',
} as const;
export type TransitionKind = (typeof TransitionKind)[keyof typeof TransitionKind];

/** The asynchronous step in progress; `advanceState` completes it once `dueAt` has passed. */
export interface TransitionRecord {
  kind: TransitionKind;
  startedAt: number;
  dueAt: number;
  /** weights only: the RollingBack phase after a failed change. */
  rollingBack?: boolean;
}

export interface EndpointRecord {
  /** Name with its original case (InvokeEndpoint must match it exactly). */
  name: string;
  arn: string;
  /** The config the serving fleet runs. Stays the OLD name while an UpdateEndpoint is in progress. */
  endpointConfigName: string;
  status: EndpointStatus;
  failureReason?: string;
  creationTime: number;
  lastModifiedTime: number;
  /** The serving fleet: empty while Creating and after a failed create. */
  variants: EndpointVariantRecord[];
  pendingDeployment?: PendingDeploymentRecord;
  transition?: TransitionRecord;
  dataCaptureConfig?: Record<string, unknown>;
  lastDeploymentConfig?: Record<string, unknown>;
  tags: Tag[];
}

export interface ModelPackageGroupRecord {
  name: string;
  arn: string;
  description?: string;
  creationTime: number;
  /** Last version number handed out; versions count 1, 2, 3 within the group. */
  lastVersion: number;
  tags: Tag[];
}

export const ModelApprovalStatus = {
  Approved: 'Approved',
  Rejected: 'Rejected',
  PendingManualApproval: 'PendingManualApproval',
} as const;
export type ModelApprovalStatus = (typeof ModelApprovalStatus)[keyof typeof ModelApprovalStatus];

export interface ModelLifeCycle {
  Stage: string;
  StageStatus: string;
  StageDescription?: string;
}

export interface ModelPackageRecord {
  arn: string;
  /** Group name for versioned packages, the package name for unversioned ones. */
  name: string;
  groupName?: string;
  version?: number;
  description?: string;
  creationTime: number;
  lastModifiedTime?: number;
  approvalStatus?: ModelApprovalStatus;
  approvalDescription?: string;
  modelLifeCycle?: ModelLifeCycle;
  customerMetadataProperties?: Record<string, string>;
  inferenceSpecification?: Record<string, unknown>;
  clientToken?: string;
  /** Unversioned packages only (versioned ones inherit the group's tags). */
  tags?: Tag[];
  /** Other input members echoed by DescribeModelPackage (MetadataProperties, ModelMetrics, Domain, ...). */
  extra: Record<string, unknown>;
}

export interface ScalableTargetRecord {
  serviceNamespace: string;
  resourceId: string;
  scalableDimension: string;
  minCapacity: number;
  maxCapacity: number;
  roleArn: string;
  arn: string;
  creationTime: number;
  suspendedState: {
    DynamicScalingInSuspended: boolean;
    DynamicScalingOutSuspended: boolean;
    ScheduledScalingSuspended: boolean;
  };
  /** Tags given to RegisterScalableTarget or TagResource (key -> value). */
  tags?: Record<string, string>;
}

/** An Application Auto Scaling scheduled action (PutScheduledAction); times in epoch ms. */
export interface ScheduledActionRecord {
  scheduledActionName: string;
  scheduledActionArn: string;
  serviceNamespace: string;
  resourceId: string;
  scalableDimension: string;
  schedule: string;
  timezone?: string;
  startTime?: number;
  endTime?: number;
  scalableTargetAction?: { MinCapacity?: number; MaxCapacity?: number };
  creationTime: number;
}

export interface ScalingPolicyRecord {
  policyArn: string;
  policyName: string;
  serviceNamespace: string;
  resourceId: string;
  scalableDimension: string;
  policyType: string;
  targetTrackingScalingPolicyConfiguration?: Record<string, unknown>;
  stepScalingPolicyConfiguration?: Record<string, unknown>;
  /** Alarms this policy owns (target tracking) or is attached to. */
  alarms: { AlarmName: string; AlarmARN: string }[];
  creationTime: number;
}

export const AlarmStateValue = { OK: 'OK', ALARM: 'ALARM', INSUFFICIENT_DATA: 'INSUFFICIENT_DATA' } as const;
export type AlarmStateValue = (typeof AlarmStateValue)[keyof typeof AlarmStateValue];

/** A CloudWatch metric alarm (fields named after the `MetricAlarm` wire shape, camelCased; times in epoch ms). */
export interface AlarmRecord {
  alarmName: string;
  alarmArn: string;
  alarmDescription?: string;
  stateValue: AlarmStateValue;
  stateReason: string;
  stateReasonData?: string;
  stateUpdatedTimestamp: number;
  stateTransitionedTimestamp: number;
  alarmConfigurationUpdatedTimestamp: number;
  metricName?: string;
  namespace?: string;
  statistic?: string;
  extendedStatistic?: string;
  dimensions: { Name: string; Value: string }[];
  period?: number;
  unit?: string;
  evaluationPeriods: number;
  datapointsToAlarm?: number;
  threshold?: number;
  comparisonOperator: string;
  treatMissingData?: string;
  /** Metric-math alarms: the `Metrics` list as sent. */
  metrics?: unknown[];
  actionsEnabled: boolean;
  alarmActions: string[];
  okActions: string[];
  insufficientDataActions: string[];
  /** Set when Application Auto Scaling created the alarm (target tracking); the owning policy ARN. */
  managedByPolicyArn?: string;
}

export interface EmulatorState {
  models: Map<string, ModelRecord>;
  endpointConfigs: Map<string, EndpointConfigRecord>;
  /** Keyed by the name as created (case kept); uniqueness is checked case-insensitively. */
  endpoints: Map<string, EndpointRecord>;
  modelPackageGroups: Map<string, ModelPackageGroupRecord>;
  /** Keyed by package ARN. */
  modelPackages: Map<string, ModelPackageRecord>;
  /** CreateModelPackage ClientToken -> package ARN (idempotency). */
  modelPackageClientTokens: Map<string, string>;
  /** Keyed by {@link scalableTargetKey}. */
  scalableTargets: Map<string, ScalableTargetRecord>;
  /** Keyed by {@link scalingPolicyKey}. */
  scalingPolicies: Map<string, ScalingPolicyRecord>;
  /** Keyed by {@link scheduledActionKey}. */
  scheduledActions: Map<string, ScheduledActionRecord>;
  /** Keyed by alarm name. */
  alarms: Map<string, AlarmRecord>;
  /** Container image (or model name) -> behaviour. */
  behaviours: Map<string, ModelBehaviour>;
  /**
   * Scratch space for services that keep their own data (e.g. a metrics store), keyed by service.
   * Cleared by reset; not persisted and not part of the state dump.
   */
  extensions: Map<string, unknown>;
}

export function createEmptyState(): EmulatorState {
  return {
    models: new Map(),
    endpointConfigs: new Map(),
    endpoints: new Map(),
    modelPackageGroups: new Map(),
    modelPackages: new Map(),
    modelPackageClientTokens: new Map(),
    scalableTargets: new Map(),
    scalingPolicies: new Map(),
    scheduledActions: new Map(),
    alarms: new Map(),
    behaviours: new Map(),
    extensions: new Map(),
  };
}

const RESOURCE_MAPS = [
  'models',
  'endpointConfigs',
  'endpoints',
  'modelPackageGroups',
  'modelPackages',
  'modelPackageClientTokens',
  'scalableTargets',
  'scalingPolicies',
  'scheduledActions',
  'alarms',
] as const;

/** Clears every resource in place (references held by callers stay valid). Behaviours are kept unless asked. */
export function clearState(state: EmulatorState, options: { keepBehaviours?: boolean } = {}): void {
  for (const key of RESOURCE_MAPS) state[key].clear();
  state.extensions.clear();
  if (!options.keepBehaviours) state.behaviours.clear();
}

export function scalableTargetKey(serviceNamespace: string, resourceId: string, scalableDimension: string): string {
  return `${serviceNamespace}|${resourceId}|${scalableDimension}`;
}

export function scheduledActionKey(serviceNamespace: string, resourceId: string, scalableDimension: string, name: string): string {
  return `${serviceNamespace}|${resourceId}|${scalableDimension}|${name}`;
}

export function scalingPolicyKey(serviceNamespace: string, resourceId: string, scalableDimension: string, policyName: string): string {
  return `${scalableTargetKey(serviceNamespace, resourceId, scalableDimension)}|${policyName}`;
}

/** Case-insensitive endpoint lookup, for AWS's uniqueness rule on CreateEndpoint. */
export function findEndpointIgnoringCase(state: EmulatorState, name: string): EndpointRecord | undefined {
  const lower = name.toLowerCase();
  for (const endpoint of state.endpoints.values()) if (endpoint.name.toLowerCase() === lower) return endpoint;
  return undefined;
}

/** The image a model serves: its primary (or first) container's Image, else the image of its model package. */
export function imageOfModel(state: EmulatorState, model: ModelRecord): string | undefined {
  const container = model.primaryContainer ?? model.containers?.[0];
  if (!container) return undefined;
  if (container.image) return container.image;
  if (container.modelPackageName) {
    const pkg = findModelPackage(state, container.modelPackageName);
    const containers = pkg?.inferenceSpecification?.['Containers'];
    if (Array.isArray(containers)) {
      const first = containers[0] as { Image?: unknown } | undefined;
      if (typeof first?.Image === 'string') return first.Image;
    }
  }
  return undefined;
}

/** A model package by ARN, or an unversioned one by name. */
export function findModelPackage(state: EmulatorState, nameOrArn: string): ModelPackageRecord | undefined {
  const byArn = state.modelPackages.get(nameOrArn);
  if (byArn) return byArn;
  for (const pkg of state.modelPackages.values()) if (pkg.version === undefined && pkg.name === nameOrArn) return pkg;
  return undefined;
}

/** Behaviour for an image and/or model name; the image entry wins. Defaults to healthy. */
export function behaviourFor(state: EmulatorState, image: string | undefined, modelName: string): ModelBehaviour {
  return (image !== undefined ? state.behaviours.get(image) : undefined) ?? state.behaviours.get(modelName) ?? {};
}

/**
 * Behaviour of one variant of an endpoint's serving fleet (or its pending fleet when the variant is only
 * there). Returns undefined when the endpoint or variant does not exist.
 */
export function behaviourOfVariant(state: EmulatorState, endpointName: string, variantName: string): ModelBehaviour | undefined {
  const endpoint = state.endpoints.get(endpointName);
  if (!endpoint) return undefined;
  const variant =
    endpoint.variants.find((v) => v.variantName === variantName) ?? endpoint.pendingDeployment?.variants.find((v) => v.variantName === variantName);
  if (!variant) return undefined;
  return behaviourFor(state, variant.image, variant.modelName);
}

export function isHealthy(behaviour: ModelBehaviour): boolean {
  return behaviour.healthy !== false;
}

// ---- JSON snapshot (state dump and persistence) ----

export interface StateSnapshot {
  models: ModelRecord[];
  endpointConfigs: EndpointConfigRecord[];
  endpoints: EndpointRecord[];
  modelPackageGroups: ModelPackageGroupRecord[];
  modelPackages: ModelPackageRecord[];
  modelPackageClientTokens: Record<string, string>;
  scalableTargets: ScalableTargetRecord[];
  scalingPolicies: ScalingPolicyRecord[];
  scheduledActions?: ScheduledActionRecord[];
  alarms: AlarmRecord[];
  behaviours: Record<string, ModelBehaviour>;
}

export function snapshotState(state: EmulatorState): StateSnapshot {
  return structuredClone({
    models: [...state.models.values()],
    endpointConfigs: [...state.endpointConfigs.values()],
    endpoints: [...state.endpoints.values()],
    modelPackageGroups: [...state.modelPackageGroups.values()],
    modelPackages: [...state.modelPackages.values()],
    modelPackageClientTokens: Object.fromEntries(state.modelPackageClientTokens),
    scalableTargets: [...state.scalableTargets.values()],
    scalingPolicies: [...state.scalingPolicies.values()],
    scheduledActions: [...state.scheduledActions.values()],
    alarms: [...state.alarms.values()],
    behaviours: Object.fromEntries(state.behaviours),
  });
}

/** Replaces the content of `state` with a snapshot (in place). */
export function restoreState(state: EmulatorState, snapshot: Partial<StateSnapshot>): void {
  clearState(state);
  for (const m of snapshot.models ?? []) state.models.set(m.name, m);
  for (const c of snapshot.endpointConfigs ?? []) state.endpointConfigs.set(c.name, c);
  for (const e of snapshot.endpoints ?? []) state.endpoints.set(e.name, e);
  for (const g of snapshot.modelPackageGroups ?? []) state.modelPackageGroups.set(g.name, g);
  for (const p of snapshot.modelPackages ?? []) state.modelPackages.set(p.arn, p);
  for (const [t, arn] of Object.entries(snapshot.modelPackageClientTokens ?? {})) state.modelPackageClientTokens.set(t, arn);
  for (const t of snapshot.scalableTargets ?? []) state.scalableTargets.set(scalableTargetKey(t.serviceNamespace, t.resourceId, t.scalableDimension), t);
  for (const p of snapshot.scalingPolicies ?? [])
    state.scalingPolicies.set(scalingPolicyKey(p.serviceNamespace, p.resourceId, p.scalableDimension, p.policyName), p);
  for (const a of snapshot.scheduledActions ?? [])
    state.scheduledActions.set(scheduledActionKey(a.serviceNamespace, a.resourceId, a.scalableDimension, a.scheduledActionName), a);
  for (const a of snapshot.alarms ?? []) state.alarms.set(a.alarmName, a);
  for (const [k, b] of Object.entries(snapshot.behaviours ?? {})) state.behaviours.set(k, b);
}
