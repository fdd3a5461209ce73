// Answering a start once Temporal holds the workflow, before the worker has recorded anything
// (LIFECYCLE_START_ANSWER=started; issue 15), and reading such a lifecycle meanwhile.
//
// By default a start waits for the workflow's first transition (the `started` Update), so lists,
// inboxes and GET all have it at once; its latency is then the worker's, and at a rate above what the
// workers record per second it grows without bound. With `started`, a start answers when Temporal has
// durably accepted the workflow (it will run, whatever happens to this server or the worker), from
// the row the workflow records first (the descriptor's detailOfStart, a pure function of the input);
// GET /…/:id and the actions find it from the workflow's start event until the read model has it;
// lists and inboxes show it once the workflow recorded it.
import { WorkflowNotFoundError } from '@temporalio/client';
import { decodeArrayFromPayloads } from '@temporalio/common/lib/internal-non-workflow/index.js';
import type { LifecycleDetail } from '../../db/lifecycle/index.js';
import type { AppDeps } from '../deps.js';
import type { AnyDescriptor } from './descriptor.js';
import { temporalClient, withDeadline } from './workflow-calls.js';

/** Whether a start answers once Temporal holds the workflow (LIFECYCLE_START_ANSWER=started). */
export function answersOnStart(value: string | undefined = process.env.LIFECYCLE_START_ANSWER): boolean {
  return value === 'started';
}

/**
 * The lifecycle of `workflowId` as its workflow will record it first, when Temporal runs it but the
 * read model does not have it yet; null when there is no such running workflow (or the descriptor
 * cannot make one from its input).
 */
export async function startedUnrecorded(
  d: AnyDescriptor,
  deps: AppDeps,
  workflowId: string,
): Promise<LifecycleDetail | null> {
  const detailOfStart = d.detailOfStart;
  if (!detailOfStart) return null;
  const client = await temporalClient(deps);
  const handle = client.workflow.getHandle(workflowId);
  const started = await withDeadline(client, async () => {
    // A workflow that ended without recording refused its start: nothing to show.
    if ((await handle.describe()).status.name !== 'RUNNING') return null;
    const event = (await handle.fetchHistory()).events?.[0];
    const attributes = event?.workflowExecutionStartedEventAttributes;
    if (!attributes || !event.eventTime?.seconds) return null;
    const args = await decodeArrayFromPayloads(
      client.options.loadedDataConverter,
      attributes.input?.payloads,
    );
    const atMs = Number(event.eventTime.seconds) * 1000 + Math.floor((event.eventTime.nanos ?? 0) / 1e6);
    return { args, startedAt: new Date(atMs).toISOString() };
  }).catch((error: unknown) => {
    if (error instanceof WorkflowNotFoundError) return null;
    throw error;
  });
  if (!started) return null;
  const detail = detailOfStart(started.args, started.startedAt);
  if (detail && detail.workflowId !== workflowId) throw new Error(`${workflowId} started another lifecycle`);
  return detail;
}
