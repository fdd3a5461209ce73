// What each kind of history event adds to the timeline (history-timeline.ts): a table from event
// type to one small renderer. A renderer either opens a step (scheduled, started, accepted, ...) or
// closes the open step its event refers to (completed, failed, fired, ...); workflow task events
// only update counters. An event type not in the table becomes an 'other' step named after it.
import type { HistoryStep, StepKind, StepOutcome } from './history-timeline.js';
import {
  actorFromArgs,
  attributesOf,
  compactArgs,
  compactValue,
  decodePayload,
  durationText,
  eventTime,
  failureText,
  idOf,
  payloads,
  protoDuration,
  shortEnum,
  statusOf,
  summaryOf,
  type Json,
  type StepActor,
} from './history-payloads.js';

type Details = HistoryStep['details'];
type OpenKind = 'activity' | 'timer' | 'update' | 'child';

/** What the renderers build up while the history is read from first event to last. */
export interface TimelineState {
  steps: HistoryStep[];
  /** Open steps by the event id their closing events refer to. */
  open: Record<OpenKind, Map<number, HistoryStep>>;
  buildIds: Set<string>;
  workflowTasks: number;
  workflowType: string | null;
  workflowId: string | null;
}

/** One event as its renderer sees it. */
interface Seen {
  event: Json;
  type: string;
  attrs: Json;
  id: number;
  at: string;
}

type Renderer = (state: TimelineState, seen: Seen) => void;

// ---- opening and closing steps -------------------------------------------------------------------------

function addStep(
  state: TimelineState,
  seen: Seen,
  kind: StepKind,
  title: string,
  outcome: StepOutcome,
  details: Details = [],
  actor: StepActor | null = null,
): HistoryStep {
  const step: HistoryStep = {
    kind,
    title,
    outcome,
    at: seen.at,
    endedAt: null,
    eventIds: [seen.id],
    details,
    actor,
  };
  state.steps.push(step);
  return step;
}

/** Opens a step that a later event (referring to this event's id) closes. */
function openStep(
  state: TimelineState,
  seen: Seen,
  open: OpenKind,
  title: string,
  details: Details,
  actor?: StepActor | null,
) {
  state.open[open].set(seen.id, addStep(state, seen, open, title, 'pending', details, actor ?? null));
}

/** The open step this event refers to through `ref` (scheduledEventId, startedEventId, ...). */
function openedBy(state: TimelineState, seen: Seen, open: OpenKind, ref: string): HistoryStep | undefined {
  return state.open[open].get(idOf(seen.attrs[ref]));
}

function closeStep(
  step: HistoryStep | undefined,
  seen: Seen,
  outcome: StepOutcome,
  extra: Details = [],
): void {
  if (!step) return;
  step.eventIds.push(seen.id);
  step.outcome = outcome;
  step.endedAt = eventTime(seen.event);
  step.details.push({ label: 'took', value: durationText(step.at, step.endedAt) }, ...extra);
}

/** A renderer that closes the open step `ref` points at, with `outcome` and the details `extra` gives. */
function closes(
  open: OpenKind,
  ref: string,
  outcome: StepOutcome,
  extra?: (seen: Seen) => Details,
): Renderer {
  return (state, seen) => closeStep(openedBy(state, seen, open, ref), seen, outcome, extra?.(seen));
}

/** A renderer that adds one workflow step with a fixed title. */
function workflowStep(title: string, outcome: StepOutcome, details?: (seen: Seen) => Details): Renderer {
  return (state, seen) => addStep(state, seen, 'workflow', title, outcome, details?.(seen) ?? []);
}

const withSummary = (title: string, seen: Seen) => {
  const summary = summaryOf(seen.event);
  return `${title}${summary ? ` — ${summary}` : ''}`;
};

const failure = (label: string) => (seen: Seen) => [{ label, value: failureText(seen.attrs.failure) }];

// ---- workflow start, tasks and close ---------------------------------------------------------------------

const workflowStarted: Renderer = (state, seen) => {
  const { attrs } = seen;
  const args = payloads(attrs.input);
  state.workflowType = (attrs.workflowType as { name?: string } | undefined)?.name ?? null;
  state.workflowId = typeof attrs.workflowId === 'string' ? attrs.workflowId : null;
  const parent = attrs.parentWorkflowExecution as { workflowId?: string } | undefined;
  const taskQueue = (attrs.taskQueue as { name?: string } | undefined)?.name ?? '';
  addStep(
    state,
    seen,
    'workflow',
    withSummary(`Workflow ${state.workflowType ?? ''} started`, seen),
    'ok',
    [
      ...(parent?.workflowId ? [{ label: 'parent', value: parent.workflowId }] : []),
      { label: 'task queue', value: String(taskQueue) },
      { label: 'input', value: compactArgs(args) },
    ],
    actorFromArgs(args),
  );
};

const workflowTaskScheduled: Renderer = (state) => {
  state.workflowTasks += 1;
};

const workflowTaskRan: Renderer = (state, seen) => {
  const build = (seen.attrs.workerVersion as { buildId?: string } | undefined)?.buildId;
  if (build) state.buildIds.add(build);
};

const workflowTaskFailed: Renderer = (state, seen) => {
  const cause = shortEnum(seen.attrs.cause, 'WORKFLOW_TASK_FAILED_CAUSE_');
  addStep(state, seen, 'workflow_task', `Workflow task failed: ${cause}`, 'failed', failure('failure')(seen));
};

const workflowTaskTimedOut: Renderer = (state, seen) => {
  addStep(state, seen, 'workflow_task', 'Workflow task timed out', 'failed');
};

const workflowCompleted = workflowStep('Workflow completed', 'ok', (seen) => {
  const result = payloads(seen.attrs.result)[0];
  const status = statusOf(result);
  return [
    ...(status !== null ? [{ label: 'final status', value: status }] : []),
    { label: 'result', value: compactValue(result) },
  ];
});

const workflowTerminated = workflowStep('Workflow terminated', 'failed', ({ attrs }) => [
  { label: 'reason', value: String(attrs.reason ?? '') },
  ...(attrs.identity ? [{ label: 'by client', value: String(attrs.identity) }] : []),
]);

// ---- activities ---------------------------------------------------------------------------------------------

const activityScheduled: Renderer = (state, seen) => {
  const { attrs } = seen;
  const name = (attrs.activityType as { name?: string } | undefined)?.name ?? 'activity';
  const retry = attrs.retryPolicy as { maximumAttempts?: number } | undefined;
  openStep(state, seen, 'activity', withSummary(`Activity ${name}`, seen), [
    { label: 'input', value: compactArgs(payloads(attrs.input)) },
    ...(retry?.maximumAttempts ? [{ label: 'max attempts', value: String(retry.maximumAttempts) }] : []),
  ]);
};

const activityStarted: Renderer = (state, seen) => {
  const activity = openedBy(state, seen, 'activity', 'scheduledEventId');
  if (!activity) return;
  activity.eventIds.push(seen.id);
  const attempt = Number(seen.attrs.attempt ?? 1);
  activity.details.push({ label: 'attempts', value: String(attempt) });
  if (attempt > 1 && seen.attrs.lastFailure) {
    activity.details.push({ label: 'last failed attempt', value: failureText(seen.attrs.lastFailure) });
  }
};

const activityCancelRequested: Renderer = (state, seen) => {
  openedBy(state, seen, 'activity', 'scheduledEventId')?.eventIds.push(seen.id);
};

// ---- timers ---------------------------------------------------------------------------------------------------

const timerStarted: Renderer = (state, seen) => {
  const title = withSummary(`Timer ${protoDuration(seen.attrs.startToFireTimeout)}`, seen);
  openStep(state, seen, 'timer', title, [{ label: 'timer id', value: String(seen.attrs.timerId ?? '') }]);
};

// ---- Updates and Signals -----------------------------------------------------------------------------------

const updateAccepted: Renderer = (state, seen) => {
  const request = seen.attrs.acceptedRequest as
    | { meta?: { updateId?: string; identity?: string }; input?: { name?: string; args?: unknown } }
    | undefined;
  const args = payloads(request?.input?.args);
  openStep(
    state,
    seen,
    'update',
    `Update ${request?.input?.name ?? ''}`,
    [
      { label: 'update id', value: request?.meta?.updateId ?? '' },
      { label: 'arguments', value: compactArgs(args) },
      ...(request?.meta?.identity ? [{ label: 'sent by client', value: request.meta.identity }] : []),
    ],
    actorFromArgs(args),
  );
};

const updateCompleted: Renderer = (state, seen) => {
  const outcome = seen.attrs.outcome as { success?: unknown; failure?: unknown } | undefined;
  const update = openedBy(state, seen, 'update', 'acceptedEventId');
  if (outcome?.failure) {
    closeStep(update, seen, 'failed', [{ label: 'refused', value: failureText(outcome.failure) }]);
    return;
  }
  const status = statusOf(payloads(outcome?.success)[0]);
  closeStep(update, seen, 'ok', status !== null ? [{ label: 'status after', value: status }] : []);
};

const signaled: Renderer = (state, seen) => {
  const { attrs } = seen;
  const args = payloads(attrs.input);
  addStep(
    state,
    seen,
    'signal',
    `Signal ${String(attrs.signalName ?? '')}`,
    'info',
    [
      { label: 'arguments', value: compactArgs(args) },
      ...(attrs.identity ? [{ label: 'sent by client', value: String(attrs.identity) }] : []),
    ],
    actorFromArgs(args),
  );
};

// ---- markers and search attributes ---------------------------------------------------------------------------

/**
 * A local activity (workflows/lifecycle.ts runs transitions so): it ran inside a workflow task and
 * left only this marker, so it is one step, titled like an activity task of the same type.
 */
function localActivity(state: TimelineState, seen: Seen): void {
  const details = seen.attrs.details as Record<string, unknown> | undefined;
  const data = payloads(details?.data)[0] as { activity_type?: string; attempt?: number } | undefined;
  const failed = seen.attrs.failure !== undefined && seen.attrs.failure !== null;
  addStep(
    state,
    seen,
    'activity',
    withSummary(`Activity ${data?.activity_type ?? 'local'}`, seen),
    failed ? 'failed' : 'ok',
    [
      { label: 'ran as', value: 'local activity (inside the workflow task)' },
      { label: 'attempts', value: String(data?.attempt ?? 1) },
      failed
        ? { label: 'failure', value: failureText(seen.attrs.failure) }
        : { label: 'result', value: compactValue(payloads(details?.result)[0]) },
    ],
  );
}

const markerRecorded: Renderer = (state, seen) => {
  const name = String(seen.attrs.markerName ?? '');
  if (name === 'core_local_activity') {
    localActivity(state, seen);
    return;
  }
  if (name !== 'core_patch') {
    addStep(state, seen, 'marker', `Marker ${name}`, 'info');
    return;
  }
  const details = seen.attrs.details as Record<string, unknown> | undefined;
  const data = details?.['patch-data'] ?? details?.patch_data;
  const patch = payloads(data)[0] as { id?: string; deprecated?: boolean } | undefined;
  addStep(state, seen, 'marker', `Code version marker: patched('${patch?.id ?? '?'}')`, 'info', [
    { label: 'meaning', value: 'this run took the code path added by that patch' },
  ]);
};

const searchAttributesUpserted: Renderer = (state, seen) => {
  const fields =
    (seen.attrs.searchAttributes as { indexedFields?: Record<string, unknown> } | undefined)?.indexedFields ??
    {};
  const shown = Object.entries(fields).map(
    ([name, value]) => `${name} = ${compactValue(decodePayload(value))}`,
  );
  addStep(state, seen, 'marker', `Search attributes updated: ${shown.join('; ')}`, 'info');
};

// ---- child workflows -----------------------------------------------------------------------------------------

const childInitiated: Renderer = (state, seen) => {
  const childType = (seen.attrs.workflowType as { name?: string } | undefined)?.name ?? '';
  openStep(state, seen, 'child', `Child workflow ${childType} ${String(seen.attrs.workflowId ?? '')}`, [
    {
      label: 'when the parent closes',
      value: shortEnum(seen.attrs.parentClosePolicy, 'PARENT_CLOSE_POLICY_'),
    },
  ]);
};

const childStarted: Renderer = (state, seen) => {
  const child = openedBy(state, seen, 'child', 'initiatedEventId');
  if (!child) return;
  child.eventIds.push(seen.id);
  child.outcome = 'ok';
  child.endedAt = seen.at;
  child.details.push({ label: 'started', value: seen.at });
};

const childEndedBadly = closes('child', 'initiatedEventId', 'failed', (seen) => [
  {
    label: 'failure',
    value: failureText(seen.attrs.failure) || shortEnum(seen.type, 'EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_'),
  },
]);

// ---- the table ---------------------------------------------------------------------------------------------------

const RENDERERS: Readonly<Record<string, Renderer>> = {
  EVENT_TYPE_WORKFLOW_EXECUTION_STARTED: workflowStarted,
  EVENT_TYPE_WORKFLOW_TASK_SCHEDULED: workflowTaskScheduled,
  EVENT_TYPE_WORKFLOW_TASK_STARTED: workflowTaskRan,
  EVENT_TYPE_WORKFLOW_TASK_COMPLETED: workflowTaskRan,
  EVENT_TYPE_WORKFLOW_TASK_FAILED: workflowTaskFailed,
  EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT: workflowTaskTimedOut,

  EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: activityScheduled,
  EVENT_TYPE_ACTIVITY_TASK_STARTED: activityStarted,
  EVENT_TYPE_ACTIVITY_TASK_COMPLETED: closes('activity', 'scheduledEventId', 'ok', ({ attrs }) => [
    { label: 'result', value: compactValue(payloads(attrs.result)[0]) },
  ]),
  EVENT_TYPE_ACTIVITY_TASK_FAILED: closes('activity', 'scheduledEventId', 'failed', ({ attrs }) => [
    { label: 'failure', value: failureText(attrs.failure) },
    { label: 'retry state', value: shortEnum(attrs.retryState, 'RETRY_STATE_') },
  ]),
  EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT: closes('activity', 'scheduledEventId', 'failed', failure('timed out')),
  EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED: activityCancelRequested,
  EVENT_TYPE_ACTIVITY_TASK_CANCELED: closes('activity', 'scheduledEventId', 'cancelled'),

  EVENT_TYPE_TIMER_STARTED: timerStarted,
  EVENT_TYPE_TIMER_FIRED: closes('timer', 'startedEventId', 'ok', ({ event }) => [
    { label: 'fired', value: eventTime(event) },
  ]),
  EVENT_TYPE_TIMER_CANCELED: closes('timer', 'startedEventId', 'cancelled', () => [
    { label: 'cancelled', value: 'the workflow stopped waiting for it (something else happened first)' },
  ]),

  EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ADMITTED: () => undefined,
  EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED: updateAccepted,
  EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED: updateCompleted,
  EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED: signaled,

  EVENT_TYPE_MARKER_RECORDED: markerRecorded,
  EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES: searchAttributesUpserted,

  EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED: childInitiated,
  EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED: closes(
    'child',
    'initiatedEventId',
    'failed',
    ({ attrs }) => [
      {
        label: 'could not start',
        value: shortEnum(attrs.cause, 'START_CHILD_WORKFLOW_EXECUTION_FAILED_CAUSE_'),
      },
    ],
  ),
  EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED: childStarted,
  EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED: closes('child', 'initiatedEventId', 'ok'),
  EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED: childEndedBadly,
  EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TIMED_OUT: childEndedBadly,
  EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TERMINATED: childEndedBadly,
  EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED: closes('child', 'initiatedEventId', 'cancelled'),

  EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED: workflowCompleted,
  EVENT_TYPE_WORKFLOW_EXECUTION_FAILED: workflowStep('Workflow failed', 'failed', failure('failure')),
  EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT: workflowStep('Workflow timed out', 'failed'),
  EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED: workflowTerminated,
  EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED: workflowStep('Workflow cancelled', 'cancelled'),
  EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED: workflowStep(
    'Cancellation requested',
    'info',
    ({ attrs }) => [{ label: 'cause', value: String(attrs.cause ?? '') }],
  ),
  EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW: workflowStep(
    'Continued as a new run',
    'ok',
    ({ attrs }) => [{ label: 'new run', value: String(attrs.newExecutionRunId ?? '') }],
  ),
};

const renderOther: Renderer = (state, seen) => {
  addStep(state, seen, 'other', shortEnum(seen.type, 'EVENT_TYPE_'), 'info');
};

/** Adds what `event` means to the timeline being built in `state`. */
export function renderEvent(state: TimelineState, event: Json): void {
  const type = String(event.eventType ?? '');
  const seen: Seen = {
    event,
    type,
    attrs: attributesOf(event),
    id: idOf(event.eventId),
    at: eventTime(event),
  };
  const render = Object.hasOwn(RENDERERS, type) ? RENDERERS[type]! : renderOther;
  render(state, seen);
}
