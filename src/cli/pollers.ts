import type { Client } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import type { TemporalOptions } from './connection';

/**
 * Whether any worker polls the task queue for workflow tasks, from the server's DescribeTaskQueue (pollers
 * seen in the last few minutes): https://docs.temporal.io/references/commands#describetaskqueue
 * Undefined when the server could not say (the caller then stays quiet rather than guess).
 */
export async function workerPolling(client: PollersClient, taskQueue: string): Promise<boolean | undefined> {
  const last = await lastPoll(client, taskQueue);
  return last === undefined ? undefined : last !== null;
}

/**
 * When a worker last polled the task queue for workflow tasks (server time, ms since the epoch): null when
 * no poller is listed, undefined when the server could not say. A worker that stopped stays listed for
 * minutes after its last poll, so a time that does not move while the workflow goes unanswered is the sign.
 */
export async function lastPoll(client: PollersClient, taskQueue: string): Promise<number | null | undefined> {
  try {
    const res = await client.workflowService.describeTaskQueue({
      namespace: client.options.namespace,
      taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    });
    const times = (res.pollers ?? []).map((p) => tsToMs(p.lastAccessTime));
    return times.length ? Math.max(...times) : null;
  } catch {
    return undefined;
  }
}

type PollersClient = Pick<Client, 'workflowService'> & { options: { namespace: string } };

/** What to tell the operator when no worker polls the queue: where, and the command that starts one. */
export function noWorkerMessage(opts: Pick<TemporalOptions, 'address' | 'namespace' | 'taskQueue'>): string {
  return (
    `no worker is polling task queue ${opts.taskQueue} on ${opts.address}/${opts.namespace}: nothing will run until one does. ` +
    `Start one with \`modelship worker --address ${opts.address} --namespace ${opts.namespace} --task-queue ${opts.taskQueue}\` ` +
    '(with AWS_REGION and AWS credentials set), or check that the worker uses this address, namespace and task queue.'
  );
}
