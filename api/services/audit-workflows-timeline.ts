// Renders a Temporal event history (proto3 JSON, the `temporal workflow show --output json` format)
// as a timeline a person can follow: each activity, timer, Update, Signal or child workflow becomes
// one step (scheduled → started → completed/failed, with attempts and the acting person), workflow
// task bookkeeping is folded away, and steps are grouped into phases that end at each business
// transition (the recordTransition activity every lifecycle runs). Pure: JSON in, view model out.

export type StepKind =
  'workflow' | 'activity' | 'timer' | 'update' | 'signal' | 'child' | 'marker' | 'workflow_task' | 'other';

export type StepOutcome = 'ok' | 'failed' | 'cancelled' | 'pending' | 'info';

export interface StepActor {
  id: string;
  role: string | null;
  /** Filled from the user directory when known. */
  email?: string | null;
}

export interface HistoryStep {
  kind: StepKind;
  /** One line: "Activity confirmDepositPosting — deposit.confirm 995.00 EUR". */
  title: string;
  outcome: StepOutcome;
  /** ISO times (milliseconds) of the first and the closing event of the step. */
  at: string;
  endedAt: string | null;
  /** Every event id of the step, in order (the raw JSON of these is one click away on the page). */
  eventIds: number[];
  /** Label/value lines: attempts, last failure, timeout, arguments, outcome. */
  details: { label: string; value: string }[];
  actor: StepActor | null;
}

export interface HistoryPhase {
  /** "start → PENDING", "PENDING → ON_HOLD", ... from the transition's summary, or "Start"/"Close". */
  title: string;
  steps: HistoryStep[];
}

export interface HistoryTimeline {
  workflowType: string | null;
  workflowId: string | null;
  eventCount: number;
  /** The worker build ids that ran workflow tasks (the code version, incl. the bundle hash). */
  buildIds: string[];
  /** Folded workflow tasks (scheduled/started/completed); failed or timed-out ones become steps. */
  workflowTasks: number;
  phases: HistoryPhase[];
}

type Json = Record<string, unknown>;

const TRANSITION_ACTIVITY = 'recordTransition';

// ---- payloads ---------------------------------------------------------------------------------------

function fromBase64(text: unknown): string | null {
  if (typeof text !== 'string') return null;
  try {
    return Buffer.from(text, 'base64').toString('utf8');
  } catch {
    return null;
  }
}

/** A payload's value when it is JSON (json/plain) or null (binary/null); otherwise a placeholder. */
export function decodePayload(payload: unknown): unknown {
  const p = (payload ?? {}) as { metadata?: Record<string, string>; data?: string };
  const encoding = fromBase64(p.metadata?.encoding);
  if (encoding === 'binary/null') return null;
  if (encoding === 'json/plain') {
    const text = fromBase64(p.data ?? '');
    try {
      return text === null ? null : JSON.parse(text);
    } catch {
      return text;
    }
  }
  return `(${encoding ?? 'unknown'} payload)`;
}

function payloads(container: unknown): unknown[] {
  const list = (container as { payloads?: unknown[] } | undefined)?.payloads;
  return Array.isArray(list) ? list.map(decodePayload) : [];
}

function summaryOf(event: Json): string | null {
  const summary = (event.userMetadata as { summary?: unknown } | undefined)?.summary;
  if (!summary) return null;
  const value = decodePayload(summary);
  return typeof value === 'string' ? value : null;
}

/** A compact one-line rendering of a value for the details list (long values are cut). */
export function compactValue(value: unknown, max = 300): string {
  let text: string;
  if (value === undefined) text = '';
  else if (typeof value === 'string') text = value;
  else text = JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function isActor(value: unknown): value is { id: string; role: string } {
  const v = value as { id?: unknown; role?: unknown } | null;
  return !!v && typeof v === 'object' && typeof v.id === 'string' && typeof v.role === 'string';
}

/** The person an Update/Signal/start carries: `args[0].actor` (or `requestedBy` for a start). */
export function actorFromArgs(args: unknown[]): StepActor | null {
  const first = args[0] as Record<string, unknown> | undefined;
  if (!first || typeof first !== 'object') return null;
  for (const key of ['actor', 'requestedBy']) {
    const candidate = first[key];
    if (isActor(candidate)) return { id: candidate.id, role: candidate.role };
  }
  return null;
}

// ---- times -----------------------------------------------------------------------------------------

/** "2026-11-22T14:41:49.206495371Z" → "2026-11-22T14:41:49.206Z". */
export function eventTime(event: Json): string {
  const raw = typeof event.eventTime === 'string' ? event.eventTime : '';
  const ms = Date.parse(raw.replace(/(\.\d{3})\d+Z$/, '$1Z'));
  return Number.isNaN(ms) ? raw : new Date(ms).toISOString();
}

function durationText(fromIso: string, toIso: string): string {
  const ms = Date.parse(toIso) - Date.parse(fromIso);
  if (!Number.isFinite(ms)) return '';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

/** Proto duration "1.500s" → "1.5 s". */
function protoDuration(value: unknown): string {
  if (typeof value !== 'string') return '';
  const match = /^(\d+(?:\.\d+)?)s$/.exec(value);
  if (!match) return value;
  const seconds = Number(match[1]);
  if (seconds < 120) return `${Number(seconds.toFixed(1))} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} days`;
}

function failureText(failure: unknown): string {
  const f = failure as
    { message?: string; applicationFailureInfo?: { type?: string }; cause?: unknown } | undefined;
  if (!f) return '';
  const type = f.applicationFailureInfo?.type;
  const own = `${type ? `${type}: ` : ''}${f.message ?? ''}`;
  const cause = f.cause ? failureText(f.cause) : '';
  return cause && cause !== own ? `${own} (cause: ${cause})` : own;
}

function shortEnum(value: unknown, prefix: string): string {
  return typeof value === 'string' ? value.replace(prefix, '').toLowerCase().replaceAll('_', ' ') : '';
}

// ---- building steps ---------------------------------------------------------------------------------

function attributes(event: Json): Json {
  const key = Object.keys(event).find((k) => k.endsWith('EventAttributes'));
  return ((key && event[key]) ?? {}) as Json;
}

function idOf(value: unknown): number {
  return typeof value === 'string' || typeof value === 'number' ? Number(value) : NaN;
}

export function buildHistoryTimeline(history: unknown): HistoryTimeline {
  const events = ((history as { events?: unknown[] } | null)?.events ?? []) as Json[];
  const steps: HistoryStep[] = [];
  /** Open steps by the event id the closing events refer to. */
  const activities = new Map<number, HistoryStep>();
  const timers = new Map<number, HistoryStep>();
  const updates = new Map<number, HistoryStep>();
  const children = new Map<number, HistoryStep>();
  const buildIds = new Set<string>();
  let workflowTasks = 0;
  let workflowType: string | null = null;
  let workflowId: string | null = null;

  const close = (
    step: HistoryStep | undefined,
    event: Json,
    outcome: StepOutcome,
    extra: { label: string; value: string }[] = [],
  ) => {
    if (!step) return;
    step.eventIds.push(idOf(event.eventId));
    step.outcome = outcome;
    step.endedAt = eventTime(event);
    step.details.push({ label: 'took', value: durationText(step.at, step.endedAt) }, ...extra);
  };

  for (const event of events) {
    const type = String(event.eventType ?? '');
    const attrs = attributes(event);
    const id = idOf(event.eventId);
    const at = eventTime(event);
    const step = (
      kind: StepKind,
      title: string,
      outcome: StepOutcome,
      details: HistoryStep['details'] = [],
      actor: StepActor | null = null,
    ): HistoryStep => {
      const created: HistoryStep = {
        kind,
        title,
        outcome,
        at,
        endedAt: null,
        eventIds: [id],
        details,
        actor,
      };
      steps.push(created);
      return created;
    };

    switch (type) {
      case 'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED': {
        const args = payloads(attrs.input);
        workflowType = (attrs.workflowType as { name?: string } | undefined)?.name ?? null;
        workflowId = typeof attrs.workflowId === 'string' ? attrs.workflowId : null;
        const summary = summaryOf(event);
        const parent = attrs.parentWorkflowExecution as { workflowId?: string } | undefined;
        step(
          'workflow',
          `Workflow ${workflowType ?? ''} started${summary ? ` — ${summary}` : ''}`,
          'ok',
          [
            ...(parent?.workflowId ? [{ label: 'parent', value: parent.workflowId }] : []),
            {
              label: 'task queue',
              value: String((attrs.taskQueue as { name?: string } | undefined)?.name ?? ''),
            },
            { label: 'input', value: compactValue(args.length === 1 ? args[0] : args) },
          ],
          actorFromArgs(args),
        );
        break;
      }
      case 'EVENT_TYPE_WORKFLOW_TASK_SCHEDULED':
        workflowTasks += 1;
        break;
      case 'EVENT_TYPE_WORKFLOW_TASK_STARTED':
      case 'EVENT_TYPE_WORKFLOW_TASK_COMPLETED': {
        const build = (attrs.workerVersion as { buildId?: string } | undefined)?.buildId;
        if (build) buildIds.add(build);
        break;
      }
      case 'EVENT_TYPE_WORKFLOW_TASK_FAILED':
        step(
          'workflow_task',
          `Workflow task failed: ${shortEnum(attrs.cause, 'WORKFLOW_TASK_FAILED_CAUSE_')}`,
          'failed',
          [{ label: 'failure', value: failureText(attrs.failure) }],
        );
        break;
      case 'EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT':
        step('workflow_task', 'Workflow task timed out', 'failed');
        break;

      case 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED': {
        const name = (attrs.activityType as { name?: string } | undefined)?.name ?? 'activity';
        const summary = summaryOf(event);
        const args = payloads(attrs.input);
        const retry = attrs.retryPolicy as { maximumAttempts?: number } | undefined;
        activities.set(
          id,
          step('activity', `Activity ${name}${summary ? ` — ${summary}` : ''}`, 'pending', [
            { label: 'input', value: compactValue(args.length === 1 ? args[0] : args) },
            ...(retry?.maximumAttempts
              ? [{ label: 'max attempts', value: String(retry.maximumAttempts) }]
              : []),
          ]),
        );
        break;
      }
      case 'EVENT_TYPE_ACTIVITY_TASK_STARTED': {
        const activity = activities.get(idOf(attrs.scheduledEventId));
        if (activity) {
          activity.eventIds.push(id);
          const attempt = Number(attrs.attempt ?? 1);
          activity.details.push({ label: 'attempts', value: String(attempt) });
          if (attempt > 1 && attrs.lastFailure) {
            activity.details.push({ label: 'last failed attempt', value: failureText(attrs.lastFailure) });
          }
        }
        break;
      }
      case 'EVENT_TYPE_ACTIVITY_TASK_COMPLETED':
        close(activities.get(idOf(attrs.scheduledEventId)), event, 'ok', [
          { label: 'result', value: compactValue(payloads(attrs.result)[0]) },
        ]);
        break;
      case 'EVENT_TYPE_ACTIVITY_TASK_FAILED':
        close(activities.get(idOf(attrs.scheduledEventId)), event, 'failed', [
          { label: 'failure', value: failureText(attrs.failure) },
          { label: 'retry state', value: shortEnum(attrs.retryState, 'RETRY_STATE_') },
        ]);
        break;
      case 'EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT':
        close(activities.get(idOf(attrs.scheduledEventId)), event, 'failed', [
          { label: 'timed out', value: failureText(attrs.failure) },
        ]);
        break;
      case 'EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED':
        activities.get(idOf(attrs.scheduledEventId))?.eventIds.push(id);
        break;
      case 'EVENT_TYPE_ACTIVITY_TASK_CANCELED':
        close(activities.get(idOf(attrs.scheduledEventId)), event, 'cancelled');
        break;

      case 'EVENT_TYPE_TIMER_STARTED': {
        const summary = summaryOf(event);
        timers.set(
          id,
          step(
            'timer',
            `Timer ${protoDuration(attrs.startToFireTimeout)}${summary ? ` — ${summary}` : ''}`,
            'pending',
            [{ label: 'timer id', value: String(attrs.timerId ?? '') }],
          ),
        );
        break;
      }
      case 'EVENT_TYPE_TIMER_FIRED':
        close(timers.get(idOf(attrs.startedEventId)), event, 'ok', [
          { label: 'fired', value: eventTime(event) },
        ]);
        break;
      case 'EVENT_TYPE_TIMER_CANCELED':
        close(timers.get(idOf(attrs.startedEventId)), event, 'cancelled', [
          {
            label: 'cancelled',
            value: 'the workflow stopped waiting for it (something else happened first)',
          },
        ]);
        break;

      case 'EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ADMITTED':
        break;
      case 'EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED': {
        const request = attrs.acceptedRequest as
          | { meta?: { updateId?: string; identity?: string }; input?: { name?: string; args?: unknown } }
          | undefined;
        const args = payloads(request?.input?.args);
        const actor = actorFromArgs(args);
        updates.set(
          id,
          step(
            'update',
            `Update ${request?.input?.name ?? ''}`,
            'pending',
            [
              { label: 'update id', value: request?.meta?.updateId ?? '' },
              { label: 'arguments', value: compactValue(args.length === 1 ? args[0] : args) },
              ...(request?.meta?.identity ? [{ label: 'sent by client', value: request.meta.identity }] : []),
            ],
            actor,
          ),
        );
        break;
      }
      case 'EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED': {
        const outcome = attrs.outcome as { success?: unknown; failure?: unknown } | undefined;
        const update = updates.get(idOf(attrs.acceptedEventId));
        if (outcome?.failure)
          close(update, event, 'failed', [{ label: 'refused', value: failureText(outcome.failure) }]);
        else {
          const result = payloads(outcome?.success)[0] as { status?: unknown } | undefined;
          close(
            update,
            event,
            'ok',
            result && typeof result === 'object' && 'status' in result
              ? [{ label: 'status after', value: String(result.status) }]
              : [],
          );
        }
        break;
      }
      case 'EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED': {
        const args = payloads(attrs.input);
        step(
          'signal',
          `Signal ${String(attrs.signalName ?? '')}`,
          'info',
          [
            { label: 'arguments', value: compactValue(args.length === 1 ? args[0] : args) },
            ...(attrs.identity ? [{ label: 'sent by client', value: String(attrs.identity) }] : []),
          ],
          actorFromArgs(args),
        );
        break;
      }

      case 'EVENT_TYPE_MARKER_RECORDED': {
        const name = String(attrs.markerName ?? '');
        const details = attrs.details as Record<string, unknown> | undefined;
        if (name === 'core_patch') {
          const data = details?.['patch-data'] ?? details?.patch_data;
          const patch = payloads(data)[0] as { id?: string; deprecated?: boolean } | undefined;
          step('marker', `Code version marker: patched('${patch?.id ?? '?'}')`, 'info', [
            { label: 'meaning', value: 'this run took the code path added by that patch' },
          ]);
        } else {
          step('marker', `Marker ${name}`, 'info');
        }
        break;
      }

      case 'EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES': {
        const fields =
          (attrs.searchAttributes as { indexedFields?: Record<string, unknown> } | undefined)
            ?.indexedFields ?? {};
        const shown = Object.entries(fields).map(
          ([name, value]) => `${name} = ${compactValue(decodePayload(value))}`,
        );
        step('marker', `Search attributes updated: ${shown.join('; ')}`, 'info');
        break;
      }
      case 'EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED': {
        const childType = (attrs.workflowType as { name?: string } | undefined)?.name ?? '';
        children.set(
          id,
          step('child', `Child workflow ${childType} ${String(attrs.workflowId ?? '')}`, 'pending', [
            {
              label: 'when the parent closes',
              value: shortEnum(attrs.parentClosePolicy, 'PARENT_CLOSE_POLICY_'),
            },
          ]),
        );
        break;
      }
      case 'EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED':
        close(children.get(idOf(attrs.initiatedEventId)), event, 'failed', [
          {
            label: 'could not start',
            value: shortEnum(attrs.cause, 'START_CHILD_WORKFLOW_EXECUTION_FAILED_CAUSE_'),
          },
        ]);
        break;
      case 'EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED': {
        const child = children.get(idOf(attrs.initiatedEventId));
        if (child) {
          child.eventIds.push(id);
          child.outcome = 'ok';
          child.endedAt = at;
          child.details.push({ label: 'started', value: at });
        }
        break;
      }
      case 'EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED':
        close(children.get(idOf(attrs.initiatedEventId)), event, 'ok');
        break;
      case 'EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED':
      case 'EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TIMED_OUT':
      case 'EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TERMINATED':
        close(children.get(idOf(attrs.initiatedEventId)), event, 'failed', [
          {
            label: 'failure',
            value: failureText(attrs.failure) || shortEnum(type, 'EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_'),
          },
        ]);
        break;
      case 'EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED':
        close(children.get(idOf(attrs.initiatedEventId)), event, 'cancelled');
        break;

      case 'EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED': {
        const result = payloads(attrs.result)[0] as { status?: unknown } | undefined;
        step('workflow', 'Workflow completed', 'ok', [
          ...(result && typeof result === 'object' && 'status' in result
            ? [{ label: 'final status', value: String(result.status) }]
            : []),
          { label: 'result', value: compactValue(result) },
        ]);
        break;
      }
      case 'EVENT_TYPE_WORKFLOW_EXECUTION_FAILED':
        step('workflow', 'Workflow failed', 'failed', [
          { label: 'failure', value: failureText(attrs.failure) },
        ]);
        break;
      case 'EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT':
        step('workflow', 'Workflow timed out', 'failed');
        break;
      case 'EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED':
        step('workflow', 'Workflow terminated', 'failed', [
          { label: 'reason', value: String(attrs.reason ?? '') },
          ...(attrs.identity ? [{ label: 'by client', value: String(attrs.identity) }] : []),
        ]);
        break;
      case 'EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED':
        step('workflow', 'Workflow cancelled', 'cancelled');
        break;
      case 'EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED':
        step('workflow', 'Cancellation requested', 'info', [
          { label: 'cause', value: String(attrs.cause ?? '') },
        ]);
        break;
      case 'EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW':
        step('workflow', 'Continued as a new run', 'ok', [
          { label: 'new run', value: String(attrs.newExecutionRunId ?? '') },
        ]);
        break;
      default:
        step('other', shortEnum(type, 'EVENT_TYPE_'), 'info');
    }
  }

  return {
    workflowType,
    workflowId,
    eventCount: events.length,
    buildIds: [...buildIds],
    workflowTasks,
    phases: phasesOf(steps),
  };
}

/** Phases end at each business transition: the recordTransition activity and everything before it. */
function phasesOf(steps: HistoryStep[]): HistoryPhase[] {
  const phases: HistoryPhase[] = [];
  let current: HistoryStep[] = [];
  for (const step of steps) {
    current.push(step);
    if (step.kind === 'activity' && step.title.startsWith(`Activity ${TRANSITION_ACTIVITY}`)) {
      const summary = step.title.split(' — ')[1];
      phases.push({ title: summary ?? `Transition ${phases.length + 1}`, steps: current });
      current = [];
    }
  }
  if (current.length > 0) phases.push({ title: phases.length === 0 ? 'Run' : 'Close', steps: current });
  return phases;
}

/** Fills in the email of every actor from `directory` (user id → email). */
export function withActorEmails(timeline: HistoryTimeline, directory: Map<string, string>): HistoryTimeline {
  for (const phase of timeline.phases) {
    for (const step of phase.steps) {
      if (step.actor) step.actor.email = directory.get(step.actor.id) ?? null;
    }
  }
  return timeline;
}

/** Every actor id the timeline mentions (to look up their emails once). */
export function actorIds(timeline: HistoryTimeline): string[] {
  const ids = new Set<string>();
  for (const phase of timeline.phases) for (const step of phase.steps) if (step.actor) ids.add(step.actor.id);
  return [...ids];
}
