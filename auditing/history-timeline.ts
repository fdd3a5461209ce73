// Renders a Temporal event history (proto3 JSON, the `temporal workflow show --output json` format)
// as a timeline a person can follow: each activity, timer, Update, Signal or child workflow becomes
// one step (scheduled → started → completed/failed, with attempts and the acting person), workflow
// task bookkeeping is folded away, and steps are grouped into phases that end at each business
// transition (the recordTransition activity every lifecycle runs). Pure: JSON in, view model out.
// What each event type adds is one small renderer in history-timeline-events.ts.
import { renderEvent, type TimelineState } from './history-timeline-events.js';
import type { Json, StepActor } from './history-payloads.js';

export { decodePayload, type StepActor } from './history-payloads.js';

export type StepKind =
  'workflow' | 'activity' | 'timer' | 'update' | 'signal' | 'child' | 'marker' | 'workflow_task' | 'other';

export type StepOutcome = 'ok' | 'failed' | 'cancelled' | 'pending' | 'info';

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

const TRANSITION_ACTIVITY = 'recordTransition';

export function buildHistoryTimeline(history: unknown): HistoryTimeline {
  const events = ((history as { events?: unknown[] } | null)?.events ?? []) as Json[];
  const state: TimelineState = {
    steps: [],
    open: { activity: new Map(), timer: new Map(), update: new Map(), child: new Map() },
    buildIds: new Set(),
    workflowTasks: 0,
    workflowType: null,
    workflowId: null,
  };
  for (const event of events) renderEvent(state, event);
  return {
    workflowType: state.workflowType,
    workflowId: state.workflowId,
    eventCount: events.length,
    buildIds: [...state.buildIds],
    workflowTasks: state.workflowTasks,
    phases: phasesOf(state.steps),
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
