/**
 * The asynchronous half of the endpoint status machine
 * (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeEndpoint.html#sagemaker-DescribeEndpoint-response-EndpointStatus). Operations start a
 * transition (status + `transition.dueAt`) and ask the server to wake up; `advanceState` completes
 * due transitions. The server also runs it before every request, so reads never see a stale state.
 */
import { isHealthy, behaviourFor, EndpointStatus, type EndpointRecord, type EndpointVariantRecord } from './state';
import type { RequestContext } from './service';

/** Completes every due transition; returns true when anything changed. */
export function advanceState(ctx: RequestContext): boolean {
  let changed = false;
  const now = ctx.now();
  for (const endpoint of [...ctx.state.endpoints.values()]) {
    // A completion may start a follow-up phase (RollingBack) that is already due with zero timings.
    for (let guard = 0; endpoint.transition && endpoint.transition.dueAt <= now && guard < 4; guard++) {
      completeTransition(ctx, endpoint);
      changed = true;
    }
  }
  return changed;
}

/** Starts (or replaces) the endpoint's transition and schedules its completion. */
export function startTransition(
  ctx: RequestContext,
  endpoint: EndpointRecord,
  kind: NonNullable<EndpointRecord['transition']>['kind'],
  baseMs: number,
  extra: { rollingBack?: boolean } = {},
): void {
  const startedAt = ctx.now();
  const dueAt = startedAt + ctx.faults.transitionDelay(kind, endpoint.name, baseMs);
  endpoint.transition = { kind, startedAt, dueAt, ...(extra.rollingBack ? { rollingBack: true } : {}) };
  ctx.wakeAt(dueAt);
}

/** AWS's text when a container fails its health check (the usual reason a create ends Failed). */
export function pingFailureReason(variantName: string): string {
  return `The primary container for production variant ${variantName} did not pass the ping health check. Please check CloudWatch logs for this endpoint.`;
}

/** Why this fleet cannot come up, or undefined when it can (fault rules first, then model behaviours). */
function fleetFailure(ctx: RequestContext, endpoint: EndpointRecord, kind: 'create' | 'update', fleet: EndpointVariantRecord[]) {
  return fleetFault(ctx, endpoint, kind, fleet)?.failureReason;
}

function fleetFault(
  ctx: RequestContext,
  endpoint: EndpointRecord,
  kind: 'create' | 'update',
  fleet: EndpointVariantRecord[],
): { failureReason: string; endStatus?: 'UpdateRollbackFailed' } | undefined {
  const injected = ctx.faults.takeTransitionFault(kind, endpoint.name);
  if (injected) return injected;
  for (const variant of fleet) {
    const behaviour = behaviourFor(ctx.state, variant.image, variant.modelName);
    if (!isHealthy(behaviour)) return { failureReason: behaviour.failureReason ?? pingFailureReason(variant.variantName) };
  }
  return undefined;
}

/**
 * AWS: with AutoRollbackConfiguration, an alarm in ALARM during the deployment rolls all traffic back to
 * the old fleet. Checked when the update ends (the emulator's stand-in for the baking period). The
 * FailureReason text is UNCONFIRMED.
 */
function alarmRollback(ctx: RequestContext, alarmNames: string[] | undefined): string | undefined {
  const firing = (alarmNames ?? []).filter((name) => ctx.state.alarms.get(name)?.stateValue === 'ALARM');
  if (firing.length === 0) return undefined;
  return `Deployment was rolled back because the auto-rollback alarm(s) ${firing.join(', ')} went into ALARM state.`;
}

function settle(fleet: EndpointVariantRecord[], now: number): EndpointVariantRecord[] {
  return fleet.map((v) => ({
    ...v,
    currentWeight: v.desiredWeight,
    currentInstanceCount: v.desiredInstanceCount,
    variantStatus: [],
    deployedAt: now,
  }));
}

/** Fault rule `actorUpdate`: someone else's UpdateEndpoint lands the moment the endpoint is InService again. */
function anotherActorActs(ctx: RequestContext, endpoint: EndpointRecord, kind: 'create' | 'update' | 'weights'): void {
  const configName = ctx.faults.takeActorUpdate(kind, endpoint.name);
  if (configName) ctx.actAsAnotherActor?.('SageMaker', 'UpdateEndpoint', { EndpointName: endpoint.name, EndpointConfigName: configName });
}

/** The outOfService fault: the endpoint just settled, but takes no traffic (for `forMs`, or until deleted). */
function goOutOfServiceIfFaulted(ctx: RequestContext, endpoint: EndpointRecord, kind: 'create' | 'update'): void {
  const fault = ctx.faults.takeOutOfService(kind, endpoint.name);
  if (!fault) return;
  endpoint.status = EndpointStatus.OutOfService;
  if (fault.forMs !== undefined) {
    const startedAt = ctx.now();
    endpoint.transition = { kind: 'recover', startedAt, dueAt: startedAt + fault.forMs };
    ctx.wakeAt(endpoint.transition.dueAt);
  }
}

function completeTransition(ctx: RequestContext, endpoint: EndpointRecord): void {
  const transition = endpoint.transition!;
  const now = ctx.now();
  delete endpoint.transition;
  endpoint.lastModifiedTime = now;
  switch (transition.kind) {
    case 'create': {
      const fleet = endpoint.pendingDeployment?.variants ?? [];
      delete endpoint.pendingDeployment;
      const failure = fleetFailure(ctx, endpoint, 'create', fleet);
      if (failure) {
        // AWS: a failed create ends Failed, with FailureReason and no ProductionVariants.
        endpoint.status = EndpointStatus.Failed;
        endpoint.failureReason = failure;
        endpoint.variants = [];
      } else {
        endpoint.status = EndpointStatus.InService;
        endpoint.variants = settle(fleet, now);
        delete endpoint.failureReason;
        anotherActorActs(ctx, endpoint, 'create');
        goOutOfServiceIfFaulted(ctx, endpoint, 'create');
      }
      return;
    }
    case 'update': {
      const pending = endpoint.pendingDeployment;
      delete endpoint.pendingDeployment;
      const fleet = pending?.variants ?? [];
      const fault = fleetFault(ctx, endpoint, 'update', fleet);
      const failure = fault?.failureReason ?? alarmRollback(ctx, pending?.autoRollbackAlarms);
      endpoint.status = EndpointStatus.InService;
      if (fault?.endStatus === EndpointStatus.UpdateRollbackFailed) {
        // AWS: "Both the rolling deployment and auto-rollback failed. Your endpoint is in service with a
        // mix of the old and new endpoint configurations" (DescribeEndpoint, EndpointStatus). It stays so
        // until an operator acts; the emulator keeps the old fleet serving.
        endpoint.status = EndpointStatus.UpdateRollbackFailed;
        endpoint.failureReason = fault.failureReason;
      } else if (failure || !pending) {
        // AWS: a failed update is not an endpoint failure: traffic stays on the old fleet and config,
        // the endpoint returns to InService and FailureReason says why.
        endpoint.failureReason = failure ?? 'Update failed.';
      } else {
        endpoint.variants = settle(fleet, now);
        endpoint.endpointConfigName = pending.endpointConfigName;
        if (pending.dataCaptureConfig === null) delete endpoint.dataCaptureConfig;
        else if (pending.dataCaptureConfig) endpoint.dataCaptureConfig = pending.dataCaptureConfig;
        delete endpoint.failureReason;
        anotherActorActs(ctx, endpoint, 'update');
        goOutOfServiceIfFaulted(ctx, endpoint, 'update');
      }
      return;
    }
    case 'recover':
      endpoint.status = EndpointStatus.InService;
      return;
    case 'weights': {
      if (transition.rollingBack) {
        // RollingBack -> InService: the requested values are abandoned.
        endpoint.variants = endpoint.variants.map((v) => ({
          ...v,
          desiredWeight: v.currentWeight,
          desiredInstanceCount: v.currentInstanceCount,
          variantStatus: [],
        }));
        endpoint.status = EndpointStatus.InService;
        return;
      }
      const failure = ctx.faults.takeTransitionFailure('weights', endpoint.name);
      if (failure) {
        // AWS: a failed weight/capacity change goes RollingBack, then back to InService.
        endpoint.status = EndpointStatus.RollingBack;
        endpoint.failureReason = failure;
        startTransition(ctx, endpoint, 'weights', ctx.timings.weightsUpdateMs, { rollingBack: true });
        return;
      }
      endpoint.variants = settle(endpoint.variants, now);
      endpoint.status = EndpointStatus.InService;
      delete endpoint.failureReason;
      anotherActorActs(ctx, endpoint, 'weights');
      return;
    }
    case 'delete':
      ctx.state.endpoints.delete(endpoint.name);
      return;
  }
}
