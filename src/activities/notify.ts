import { log } from '@temporalio/activity';

export interface PipelineEvent {
  event: string;
  workflowId: string;
  endpointName: string;
  at: string;
  [detail: string]: unknown;
}

/** Webhook notifications. Best effort: a receiver that is down never blocks or fails a rollout. */
export function createNotifyActivities(fetchImpl: typeof fetch = fetch) {
  return {
    async notifyWebhook(url: string, event: PipelineEvent): Promise<boolean> {
      try {
        const res = await fetchImpl(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'modelship' },
          body: JSON.stringify(event),
          signal: AbortSignal.timeout(10_000),
        });
        if (!res.ok) log.warn('webhook answered an error', { url, status: res.status, event: event.event });
        return res.ok;
      } catch (err) {
        log.warn('webhook unreachable', { url, error: (err as Error).message, event: event.event });
        return false;
      }
    },
  };
}
