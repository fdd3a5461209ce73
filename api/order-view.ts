// The order as the API and the pages show it (API.md "Order shape"), built from the lifecycle read
// model (the attributes the order workflow records with every transition) and, for its fills, the
// venue's trade table, which commits a fill before any workflow hears of it.
import { z } from 'zod';
import type { LifecycleDetail, LifecycleSummary } from '../db/lifecycle/index.js';
import type { Task } from '../db/lifecycle/tasks.js';
import type { Execution } from '../db/trading/index.js';
import { instrumentOf } from '../domain/instruments.js';
import type { TimelineEntry } from '../domain/lifecycle.js';
import { formatAmount, isAssetCode } from '../domain/money.js';
import {
  ORDER_HUMAN_ACTIONS,
  ORDER_PERMISSIONS,
  ORDER_TRANSITIONS,
  type OrderHumanAction,
  ORDER_KINDS,
  ORDER_SIDES,
  ORDER_STATUSES,
  TIMES_IN_FORCE,
  type Fill,
  type OrderKind,
  type OrderSide,
  type OrderStatus,
  type Reservation,
  type TimeInForce,
} from '../domain/order.js';
import { isClient } from '../domain/roles.js';
import type { SessionUser } from './auth/tokens.js';
import { lifecycleViewFields } from './lifecycle-kit/view-schemas.js';
import {
  allowedHumanActions,
  isLiveTask,
  openTaskOf,
  textOrNull as str,
  transitionsOfDetail,
  type RecordedTransition,
} from './services/lifecycle-records.js';

// ---- the view -------------------------------------------------------------------------------------

export interface OrderView {
  /** The business id (UUID), the `:id` of every order route. */
  id: string;
  workflowId: string;
  clientId: string;
  clientOrderId: string | null;
  symbol: string;
  side: OrderSide;
  type: OrderKind;
  timeInForce: TimeInForce;
  quantity: string;
  price: string | null;
  filledQuantity: string;
  remainingQuantity: string;
  averagePrice: string | null;
  reserved: Reservation;
  status: OrderStatus;
  rejectReason: string | null;
  /** The refusal code of a REJECTED order, the reason of a CANCELLED or EXPIRED one. */
  endCode: string | null;
  expiresAt: string | null;
  venue: string | null;
  fills: Fill[];
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  allowedActions: OrderHumanAction[];
  timeline: TimelineEntry<OrderStatus>[];
  openTasks?: ReturnType<typeof openTaskOf>[];
}

const decimal = (example: string) => z.string().meta({ example });

export const FillSchema = z
  .object({
    tradeId: z.uuid(),
    price: decimal('70.10'),
    quantity: decimal('100'),
    fee: decimal('7.01').meta({ description: 'In the quote asset' }),
    liquidity: z.enum(['MAKER', 'TAKER']),
    at: z.string(),
  })
  .meta({ id: 'Fill' });

export const OrderSchema = z
  .object({
    id: z.uuid(),
    workflowId: z.string().meta({ example: 'order-0b6f1c0e-…' }),
    clientId: z.uuid(),
    clientOrderId: z.string().nullable(),
    symbol: z.string().meta({ example: 'EUA' }),
    side: z.enum(ORDER_SIDES),
    type: z.enum(ORDER_KINDS),
    timeInForce: z.enum(TIMES_IN_FORCE),
    quantity: decimal('100'),
    price: decimal('70.10').nullable().meta({ description: 'LIMIT only' }),
    filledQuantity: decimal('40'),
    remainingQuantity: decimal('60'),
    averagePrice: decimal('70.10').nullable(),
    reserved: z.object({ asset: z.string().meta({ example: 'EUR' }), amount: decimal('4213.01') }),
    status: z.enum(ORDER_STATUSES),
    rejectReason: z.string().nullable(),
    endCode: z.string().nullable().meta({ example: 'insufficient_funds' }),
    expiresAt: z.string().nullable().meta({ description: 'DAY orders: when they expire' }),
    venue: z.string().nullable().meta({ example: 'internal' }),
    fills: z.array(FillSchema),
    createdAt: z.string(),
    updatedAt: z.string(),
    closedAt: z.string().nullable(),
    ...lifecycleViewFields(ORDER_HUMAN_ACTIONS),
  })
  .meta({ id: 'Order' });

// ---- building it ----------------------------------------------------------------------------------

export interface OrderRecord {
  summary: LifecycleSummary;
  transitions: RecordedTransition<OrderStatus>[];
  tasks: Task[];
}

export function recordFromSummary(
  summary: LifecycleSummary,
  transitions: RecordedTransition<OrderStatus>[],
  tasks: Task[],
): OrderRecord {
  return { summary, transitions, tasks: tasks.filter(isLiveTask) };
}

export function recordFromDetail(detail: LifecycleDetail): OrderRecord {
  return recordFromSummary(detail, transitionsOfDetail<OrderStatus>(detail), detail.tasks);
}

/** A trade-table execution as an order's fill, amounts at the instrument's scales. */
export function fillOf(execution: Execution): Fill {
  const instrument = instrumentOf(execution.symbol);
  if (!instrument) throw new Error(`a trade of an unknown instrument ${execution.symbol}`);
  return {
    tradeId: execution.tradeId,
    price: formatAmount(instrument.quoteAsset, execution.priceMinor),
    quantity: formatAmount(instrument.asset, execution.quantityMinor),
    fee: formatAmount(instrument.quoteAsset, execution.feeMinor),
    liquidity: execution.liquidity,
    at: execution.executedAt,
  };
}

function reservationOf(value: unknown): Reservation {
  const r = (typeof value === 'object' && value !== null ? value : {}) as Partial<Reservation>;
  const asset = isAssetCode(r.asset) ? r.asset : 'EUR';
  return { asset, amount: typeof r.amount === 'string' ? r.amount : formatAmount(asset, 0n) };
}

/** The fills of each order, by business id (what the service's `load` reads for a page). */
export type FillsByOrder = Map<string, Execution[]>;

/** The view of `record` for `user` (already found allowed to read it). */
export function toOrderView(record: OrderRecord, user: SessionUser, fills: FillsByOrder): OrderView {
  const { summary } = record;
  const a = summary.attributes;
  const status = summary.status as OrderStatus;
  const clientId = summary.ownerId ?? '';
  const view: OrderView = {
    id: summary.businessId,
    workflowId: summary.workflowId,
    clientId,
    clientOrderId: str(a.clientOrderId),
    symbol: str(a.symbol) ?? '',
    side: (str(a.side) ?? 'BUY') as OrderSide,
    type: (str(a.type) ?? 'LIMIT') as OrderKind,
    timeInForce: (str(a.timeInForce) ?? 'GTC') as TimeInForce,
    quantity: str(a.quantity) ?? '0',
    price: str(a.price),
    filledQuantity: str(a.filledQuantity) ?? '0',
    remainingQuantity: str(a.remainingQuantity) ?? str(a.quantity) ?? '0',
    averagePrice: str(a.averagePrice),
    reserved: reservationOf(a.reserved),
    status,
    rejectReason: str(a.rejectReason),
    endCode: str(a.endCode),
    expiresAt: str(a.expiresAt),
    venue: str(a.venue),
    fills: (fills.get(summary.businessId) ?? []).map(fillOf),
    createdAt: summary.createdAt,
    updatedAt: summary.updatedAt,
    closedAt: summary.closedAt,
    allowedActions: summary.closedAt
      ? []
      : allowedHumanActions(
          ORDER_TRANSITIONS,
          ORDER_PERMISSIONS,
          ORDER_HUMAN_ACTIONS,
          status,
          user,
          clientId,
        ),
    timeline: record.transitions.map((t) => t.entry),
  };
  if (!isClient(user.role)) view.openTasks = record.tasks.map(openTaskOf);
  return view;
}
