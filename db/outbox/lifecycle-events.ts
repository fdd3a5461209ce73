// The outbox events of lifecycle transitions and task escalations, written by the recordTransition
// and escalateTask activities (activities/lifecycle.ts) on their transaction's client, after the
// projection: an event exists exactly when its transition committed.
import type pg from 'pg';
import { TASK_OVERDUE_EVENT, lifecycleEventType } from '../../domain/notifications.js';
import { insertOutboxEvent } from './events.js';

/**
 * The lifecycle attributes an event carries: what the owner sees on their own pages. Staff-only
 * facts (screening scores, notes) stay out, because the event leaves the building by webhook.
 */
export const PUBLIC_ATTRIBUTE_KEYS = [
  'amount',
  'currency',
  'receivedAmount',
  'reference',
  'asset',
  'symbol',
  'side',
  'type',
  'quantity',
  'limitPrice',
  'price',
  'filled',
  'filledQuantity',
  'averagePrice',
  'timeInForce',
] as const;

export interface TransitionFacts {
  workflowId: string;
  type: string;
  businessId: string;
  ownerId: string | null;
  seq: number;
  entry: { at: string; from: string | null; to: string; actor?: { role: string } | null };
}

/** One `<lifecycle>.<status>` event per recorded transition (called once per (workflow, seq)). */
export async function insertTransitionEvent(client: pg.PoolClient, facts: TransitionFacts): Promise<string> {
  // The merged attributes, as this transaction left them (the upsert ran before).
  const row = await client.query<{ attributes: Record<string, unknown> }>(
    `SELECT attributes FROM lifecycle WHERE workflow_id = $1`,
    [facts.workflowId],
  );
  const attributes = row.rows[0]?.attributes ?? {};
  const shown: Record<string, unknown> = {};
  for (const key of PUBLIC_ATTRIBUTE_KEYS) {
    const value = attributes[key];
    if (typeof value === 'string' || typeof value === 'number') shown[key] = value;
  }
  return insertOutboxEvent(client, {
    type: lifecycleEventType(facts.type, facts.entry.to),
    ownerId: facts.ownerId,
    workflowId: facts.workflowId,
    data: {
      lifecycle: facts.type,
      id: facts.businessId,
      workflowId: facts.workflowId,
      seq: facts.seq,
      from: facts.entry.from,
      status: facts.entry.to,
      at: facts.entry.at,
      actorRole: facts.entry.actor?.role ?? null,
      ...shown,
    },
  });
}

export interface EscalationFacts {
  workflowId: string;
  kind: string;
  at: string;
  summary?: string | null;
}

/**
 * A `task.overdue` event for the staff of the task's role, called after a task was escalated; only
 * the first escalation (escalated_at is this one's time) makes one, not a later raise of priority.
 */
export async function insertTaskOverdueEvent(
  client: pg.PoolClient,
  facts: EscalationFacts,
): Promise<string | null> {
  const task = await client.query<{
    id: string;
    required_role: string;
    subject_type: string;
    subject_id: string;
    summary: string | null;
    due_at: Date | null;
    escalated_at: Date | null;
  }>(
    `SELECT id, required_role, subject_type, subject_id, summary, due_at, escalated_at FROM task
      WHERE workflow_id = $1 AND kind = $2 AND status IN ('open', 'claimed')`,
    [facts.workflowId, facts.kind],
  );
  const live = task.rows[0];
  if (!live) throw new Error(`no live ${facts.kind} task on ${facts.workflowId} to report overdue`);
  if (live.escalated_at?.getTime() !== Date.parse(facts.at)) return null;
  return insertOutboxEvent(client, {
    type: TASK_OVERDUE_EVENT,
    ownerId: null,
    workflowId: facts.workflowId,
    data: {
      taskId: live.id,
      kind: facts.kind,
      requiredRole: live.required_role,
      subjectType: live.subject_type,
      subjectId: live.subject_id,
      summary: live.summary,
      dueAt: live.due_at?.toISOString() ?? null,
      at: facts.at,
    },
  });
}
