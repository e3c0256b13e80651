import * as wf from '@temporalio/workflow';
import { ApplicationFailure, WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { CanaryInput } from '../domain/canary/input';
import { endpointWorkflowId, modelName } from '../domain/names';
import { FAILURE } from '../domain/failures';
import { awsActivities } from './activity-options';
import { canaryRollout } from './canary';
import { promoteSignal } from './messages';

const aws = awsActivities();

/** What a Temporal Schedule passes to `scheduledRollout` each time it fires. */
export interface ScheduledRolloutInput {
  /** The canary to run, minus the version: the newest Approved version is filled in at each firing. */
  canary: Omit<CanaryInput, 'model'> & { model: { name: string } };
}

export type ScheduledRolloutOutcome =
  | { outcome: 'rolled-out'; version: number }
  | { outcome: 'up-to-date'; version: number }
  | { outcome: 'no-approved-version' }
  | { outcome: 'skipped'; reason: string };

/**
 * Started by a Temporal Schedule: rolls the newest Approved version of a model out to an endpoint with a
 * canary, unless the endpoint already serves it or another pipeline is running on the endpoint (the
 * canary runs under the endpoint's workflow id, so the server refuses a second one atomically).
 */
export async function scheduledRollout(input: ScheduledRolloutInput): Promise<ScheduledRolloutOutcome> {
  const { endpointName, model } = input.canary;
  const latest = await aws.latestApprovedVersion(model.name);
  if (!latest) return { outcome: 'no-approved-version' };
  const ep = await aws.describeEndpoint(endpointName);
  const config = ep?.configName ? await aws.describeEndpointConfig(ep.configName) : null;
  if (config?.variants.some((v) => v.modelName === modelName(model.name, latest.version))) {
    return { outcome: 'up-to-date', version: latest.version };
  }
  try {
    await wf.executeChild(canaryRollout, {
      workflowId: endpointWorkflowId(endpointName),
      args: [{ ...input.canary, model: { name: model.name, version: latest.version } }],
      // The rollout is the endpoint's own run: it must not die if this scheduled run is terminated.
      parentClosePolicy: wf.ParentClosePolicy.ABANDON,
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      return { outcome: 'skipped', reason: `a pipeline is already running on ${endpointName}` };
    }
    throw err;
  }
  return { outcome: 'rolled-out', version: latest.version };
}

export interface ScheduledPromoteInput {
  endpointName: string;
  /** Straight to 100% instead of the next step. */
  full?: boolean;
  reason?: string;
}

/** Started by a one-shot Schedule: promotes the canary running on an endpoint at the scheduled time. */
export async function scheduledPromote(input: ScheduledPromoteInput): Promise<void> {
  try {
    await wf.getExternalWorkflowHandle(endpointWorkflowId(input.endpointName)).signal(promoteSignal, {
      by: `schedule ${wf.workflowInfo().workflowId}`,
      reason: input.reason ?? 'scheduled promotion',
      full: input.full,
    });
  } catch (err) {
    throw ApplicationFailure.nonRetryable(`no rollout is running on ${input.endpointName} to promote: ${(err as Error).message}`, FAILURE.NothingToPromote);
  }
}
