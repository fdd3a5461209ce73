// What a client settlement and a settlement batch look like over the API (API.md "Settlement"):
// records from the lifecycle read model, legs and trades from settlement's own tables.
import { z } from 'zod';
import type { LifecycleDetail, LifecycleSummary, Task } from '../db/lifecycle/index.js';
import type { BatchTotal, SettlementRecord } from '../db/settlement/index.js';
import { formatAmount } from '../domain/money.js';
import { isClient } from '../domain/roles.js';
import {
  BATCH_STATUSES,
  SETTLEMENT_PERMISSIONS,
  SETTLEMENT_STATUSES,
  SETTLEMENT_TRANSITIONS,
  legDirection,
  type BatchStatus,
  type SettlementStatus,
} from '../domain/settlement.js';
import type { SessionUser } from './auth/tokens.js';
import { lifecycleViewFields } from './lifecycle-kit/view-schemas.js';
import {
  allowedHumanActions,
  isLiveTask,
  openTaskOf,
  transitionsOfDetail,
  type RecordedTransition,
} from './services/lifecycle-records.js';

const HUMAN_ACTIONS = ['retry', 'cancel', 'confirm_receipt'] as const;

const LegSchema = z.object({
  asset: z.string().meta({ example: 'EUA' }),
  direction: z.enum(['DELIVER', 'RECEIVE']),
  amount: z.string().meta({ example: '6' }),
});

export const SettlementSchema = z
  .object({
    id: z.uuid(),
    workflowId: z.string().meta({ example: 'client-settlement-0b6f1c0e-…' }),
    batchId: z.uuid(),
    clientId: z.uuid(),
    status: z.enum(SETTLEMENT_STATUSES),
    legs: z.array(LegSchema),
    tradeIds: z.array(z.uuid()),
    tradeCount: z.number().int(),
    cutoff: z.string(),
    expectedAt: z.string().nullable().meta({ description: 'When the next status is expected' }),
    expected: z.record(z.string(), z.string()).meta({ description: 'Expected time of each status' }),
    failure: z.string().nullable(),
    ...lifecycleViewFields(HUMAN_ACTIONS),
  })
  .meta({ id: 'Settlement' });
export type SettlementView = z.infer<typeof SettlementSchema>;

export const SettlementBatchSchema = z
  .object({
    id: z.uuid(),
    workflowId: z.string(),
    cutoff: z.string(),
    origin: z.string(),
    status: z.enum(BATCH_STATUSES),
    trades: z.number().int(),
    settlements: z.number().int(),
    totals: z.array(z.object({ asset: z.string(), gross: z.string(), net: z.string() })),
    timeline: lifecycleViewFields(['none'] as const).timeline,
  })
  .meta({ id: 'SettlementBatch' });
export type SettlementBatchView = z.infer<typeof SettlementBatchSchema>;

export interface SettlementLifecycleRecord {
  id: string;
  workflowId: string;
  status: SettlementStatus;
  clientId: string;
  attributes: Record<string, unknown>;
  transitions: RecordedTransition<SettlementStatus>[];
  tasks: Task[];
}

export function settlementRecordFromLifecycle(
  summary: LifecycleSummary,
  transitions: RecordedTransition<SettlementStatus>[],
  tasks: Task[],
): SettlementLifecycleRecord {
  return {
    id: summary.businessId,
    workflowId: summary.workflowId,
    status: summary.status as SettlementStatus,
    clientId: summary.ownerId ?? '',
    attributes: summary.attributes,
    transitions,
    tasks: tasks.filter(isLiveTask),
  };
}

export function settlementRecordFromDetail(detail: LifecycleDetail): SettlementLifecycleRecord {
  return settlementRecordFromLifecycle(detail, transitionsOfDetail<SettlementStatus>(detail), detail.tasks);
}

export interface SettlementRows {
  settlements: ReadonlyMap<string, SettlementRecord>;
  tradeIds: ReadonlyMap<string, string[]>;
}

const NEXT: Partial<Record<SettlementStatus, SettlementStatus>> = {
  INITIATED: 'PROCESSED',
  PROCESSED: 'DELIVERED',
  FAILING: 'DELIVERED',
  DELIVERED: 'CONFIRMED',
};

export function toSettlementView(
  record: SettlementLifecycleRecord,
  user: SessionUser,
  rows: SettlementRows,
): SettlementView {
  const row = rows.settlements.get(record.id);
  if (!row) throw new Error(`client settlement ${record.id} has a lifecycle but no row`);
  const expected = (record.attributes.expected ?? {}) as Record<string, string>;
  const next = NEXT[record.status];
  const view: SettlementView = {
    id: record.id,
    workflowId: record.workflowId,
    batchId: row.batchId,
    clientId: record.clientId,
    status: record.status,
    legs: row.legs.flatMap((leg) => {
      const moving = legDirection(leg);
      return moving
        ? [
            {
              asset: leg.asset,
              direction: moving.direction,
              amount: formatAmount(leg.asset, moving.amountMinor),
            },
          ]
        : [];
    }),
    tradeIds: rows.tradeIds.get(record.id) ?? [],
    tradeCount: row.tradeCount,
    cutoff: row.cutoff,
    expectedAt: next ? (expected[next] ?? null) : null,
    expected,
    failure: typeof record.attributes.failure === 'string' ? record.attributes.failure : null,
    allowedActions: allowedHumanActions(
      SETTLEMENT_TRANSITIONS,
      SETTLEMENT_PERMISSIONS,
      HUMAN_ACTIONS,
      record.status,
      user,
      record.clientId,
    ),
    timeline: record.transitions.map((t) => t.entry),
  };
  if (!isClient(user.role)) view.openTasks = record.tasks.map(openTaskOf);
  return view;
}

export interface BatchLifecycleRecord {
  id: string;
  workflowId: string;
  status: BatchStatus;
  attributes: Record<string, unknown>;
  transitions: RecordedTransition<BatchStatus>[];
}

export function batchRecordFromLifecycle(
  summary: LifecycleSummary,
  transitions: RecordedTransition<BatchStatus>[],
): BatchLifecycleRecord {
  return {
    id: summary.businessId,
    workflowId: summary.workflowId,
    status: summary.status as BatchStatus,
    attributes: summary.attributes,
    transitions,
  };
}

export function batchRecordFromDetail(detail: LifecycleDetail): BatchLifecycleRecord {
  return batchRecordFromLifecycle(detail, transitionsOfDetail<BatchStatus>(detail));
}

export function toBatchView(
  record: BatchLifecycleRecord,
  totals: ReadonlyMap<string, BatchTotal[]>,
): SettlementBatchView {
  const a = record.attributes;
  return {
    id: record.id,
    workflowId: record.workflowId,
    cutoff: String(a.cutoff ?? ''),
    origin: String(a.origin ?? ''),
    status: record.status,
    trades: Number(a.trades ?? 0),
    settlements: Number(a.settlements ?? 0),
    totals: (totals.get(record.id) ?? []).map((t) => ({
      asset: t.asset,
      gross: formatAmount(t.asset, t.grossMinor),
      net: formatAmount(t.asset, t.netMinor),
    })),
    timeline: record.transitions.map((t) => t.entry),
  };
}
