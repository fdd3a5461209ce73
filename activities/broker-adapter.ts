// The broker: where orders on instruments of the `paper` venue (KRBN) go. Production plugs a real
// broker's order API in behind BrokerAdapter; development and tests use PaperBroker, a simulated
// exchange that keeps its orders in PostgreSQL (table paper_broker_order) and can be told to be slow,
// to fill in parts, to refuse orders and to be down.
//
// Exactly once: the order workflow derives the broker order id from itself (`<workflowId>/broker`)
// and sends the same id on every retry. A broker that already has that id answers with the first
// order's acknowledgement instead of placing a second one — the client order id every broker API
// offers, and the one PaperBroker enforces with the table's primary key.
//
// Executions are deterministic: from the stored order and the broker's configuration (how many
// parts, how far apart), never from a clock read at fill time, so asking twice answers the same
// executions with the same ids and prices.
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { instrumentOf } from '../domain/instruments.js';
import type { OrderKind, OrderSide } from '../domain/order-types.js';

export interface BrokerOrder {
  /** Same id on every attempt for one order; the broker places it at most once. */
  brokerOrderId: string;
  symbol: string;
  side: OrderSide;
  type: OrderKind;
  /** Asset minor units. */
  quantity: bigint;
  /** Quote minor units per whole unit; null for MARKET. */
  limitPrice: bigint | null;
}

export type BrokerAck = { accepted: true } | { accepted: false; reason: string };

/** One execution report: part of the order traded at `price`. */
export interface BrokerExecution {
  /** 1, 2, ... per order, in execution order. */
  seq: number;
  /** Unique at the broker; the platform derives its trade id from it. */
  executionId: string;
  price: bigint;
  quantity: bigint;
  at: Date;
}

export interface BrokerAdapter {
  /** Places the order, or answers the first acknowledgement for the same brokerOrderId. */
  placeOrder(order: BrokerOrder): Promise<BrokerAck>;
  /** The executions of the order after `afterSeq` that have happened by now, oldest first. */
  executions(brokerOrderId: string, afterSeq: number): Promise<BrokerExecution[]>;
  /** Cancels what has not executed yet; repeating it changes nothing. */
  cancel(brokerOrderId: string): Promise<void>;
}

/** The broker is not answering: transient, the caller retries with the same ids. */
export class BrokerUnavailableError extends Error {
  override readonly name = 'BrokerUnavailableError';
}

// ---------------------------------------------------------------------------------------------
// The paper broker

export interface PaperBrokerOptions {
  /** Time from acceptance to the first execution, and between executions. */
  latencyMs?: number;
  /** Fill in 1–3 executions (chosen from the order id); false: always one. */
  partialFills?: boolean;
  /** Orders on these symbols are refused. */
  rejectSymbols?: string[];
  /** Share of orders refused (0..1), chosen from the order id so a retry gets the same answer. */
  rejectRate?: number;
  /** Down: every call throws BrokerUnavailableError. */
  outage?: boolean;
}

const DEFAULT_LATENCY_MS = 200;
const PARTS_MAX = 3;

/** Options from PAPER_BROKER_JSON (e.g. `{"latencyMs":500,"rejectRate":0.05}`); {} when unset. */
export function paperBrokerOptionsFromEnv(
  env: Record<string, string | undefined> = process.env,
): PaperBrokerOptions {
  const text = env.PAPER_BROKER_JSON;
  if (!text) return {};
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new Error('PAPER_BROKER_JSON must be a JSON object');
  return parsed as PaperBrokerOptions;
}

interface PaperOrderRow {
  broker_order_id: string;
  quantity: string;
  fill_price: string | null;
  parts: number;
  latency_ms: number;
  status: 'ACCEPTED' | 'REJECTED';
  reject_reason: string | null;
  accepted_at: Date;
  cancelled_at: Date | null;
}

export class PaperBroker implements BrokerAdapter {
  /** Calls that fail as an outage before doing anything, by broker order id (tests). */
  private readonly outages = new Map<string, number>();
  /** Every call, failed ones included, in order. */
  readonly calls: { brokerOrderId: string; call: 'place' | 'executions' | 'cancel'; outcome: string }[] = [];

  constructor(
    private readonly pool: pg.Pool,
    /** Mutable on purpose: tests switch faults on and off while a worker runs. */
    readonly options: PaperBrokerOptions = paperBrokerOptionsFromEnv(),
  ) {}

  /** The next `calls` calls about `brokerOrderId` fail as an outage. */
  injectOutage(brokerOrderId: string, calls = 1): void {
    this.outages.set(brokerOrderId, (this.outages.get(brokerOrderId) ?? 0) + calls);
  }

  private checkUp(brokerOrderId: string, call: 'place' | 'executions' | 'cancel'): void {
    const left = this.outages.get(brokerOrderId) ?? 0;
    if (left > 0) this.outages.set(brokerOrderId, left - 1);
    if (this.options.outage || left > 0) {
      this.calls.push({ brokerOrderId, call, outcome: 'unavailable' });
      throw new BrokerUnavailableError('the broker is not answering (simulated)');
    }
  }

  async placeOrder(order: BrokerOrder): Promise<BrokerAck> {
    this.checkUp(order.brokerOrderId, 'place');
    if (!(order.quantity > 0n)) throw new Error('a broker order needs a positive quantity');
    const reason = this.refusal(order);
    const fillPrice = order.limitPrice ?? instrumentOf(order.symbol)?.referencePrice ?? null;
    const parts =
      this.options.partialFills === false ? 1 : 1 + (pick(order.brokerOrderId, 'parts') % PARTS_MAX);
    await this.pool.query(
      `INSERT INTO paper_broker_order
         (broker_order_id, symbol, side, type, quantity, limit_price, fill_price, parts, latency_ms, status, reject_reason)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (broker_order_id) DO NOTHING`,
      [
        order.brokerOrderId,
        order.symbol,
        order.side,
        order.type,
        order.quantity.toString(),
        order.limitPrice?.toString() ?? null,
        fillPrice?.toString() ?? null,
        Number(BigInt(parts) < order.quantity ? BigInt(parts) : order.quantity),
        this.options.latencyMs ?? DEFAULT_LATENCY_MS,
        reason === null && fillPrice !== null ? 'ACCEPTED' : 'REJECTED',
        reason ?? (fillPrice === null ? `no price for ${order.symbol}` : null),
      ],
    );
    // The stored row decides, so a repeated call answers what the first one did.
    const row = await this.find(order.brokerOrderId);
    if (!row) throw new BrokerUnavailableError('the order vanished (simulated)');
    this.calls.push({ brokerOrderId: order.brokerOrderId, call: 'place', outcome: row.status });
    return row.status === 'ACCEPTED' ? { accepted: true } : { accepted: false, reason: row.reject_reason! };
  }

  async executions(brokerOrderId: string, afterSeq: number): Promise<BrokerExecution[]> {
    this.checkUp(brokerOrderId, 'executions');
    const row = await this.find(brokerOrderId);
    this.calls.push({ brokerOrderId, call: 'executions', outcome: row ? row.status : 'unknown' });
    if (!row || row.status !== 'ACCEPTED') return [];
    const nowMs = Date.now();
    return scheduleOf(row).filter(
      (e) =>
        e.seq > afterSeq &&
        e.at.getTime() <= nowMs &&
        (row.cancelled_at === null || e.at.getTime() < row.cancelled_at.getTime()),
    );
  }

  async cancel(brokerOrderId: string): Promise<void> {
    this.checkUp(brokerOrderId, 'cancel');
    await this.pool.query(
      `UPDATE paper_broker_order SET cancelled_at = now()
        WHERE broker_order_id = $1 AND cancelled_at IS NULL`,
      [brokerOrderId],
    );
    this.calls.push({ brokerOrderId, call: 'cancel', outcome: 'cancelled' });
  }

  private refusal(order: BrokerOrder): string | null {
    if (this.options.rejectSymbols?.includes(order.symbol))
      return `the broker does not accept orders on ${order.symbol} (simulated)`;
    const rate = this.options.rejectRate ?? 0;
    if (rate > 0 && pick(order.brokerOrderId, 'reject') % 10_000 < rate * 10_000)
      return 'the broker refused the order (simulated)';
    return null;
  }

  private async find(brokerOrderId: string): Promise<PaperOrderRow | null> {
    const { rows } = await this.pool.query<PaperOrderRow>(
      `SELECT broker_order_id, quantity::text AS quantity, fill_price::text AS fill_price, parts, latency_ms,
              status, reject_reason, accepted_at, cancelled_at
         FROM paper_broker_order WHERE broker_order_id = $1`,
      [brokerOrderId],
    );
    return rows[0] ?? null;
  }
}

/** Every execution the order will have if nobody cancels it: `parts` slices, the last takes the rest. */
function scheduleOf(row: PaperOrderRow): BrokerExecution[] {
  const quantity = BigInt(row.quantity);
  const parts = BigInt(row.parts);
  const price = BigInt(row.fill_price!);
  const slice = quantity / parts;
  const executions: BrokerExecution[] = [];
  for (let seq = 1; seq <= row.parts; seq++) {
    executions.push({
      seq,
      executionId: `${row.broker_order_id}/exec/${seq}`,
      price,
      quantity: seq === row.parts ? quantity - slice * (parts - 1n) : slice,
      at: new Date(row.accepted_at.getTime() + seq * row.latency_ms),
    });
  }
  return executions;
}

/** A stable number drawn from the order id (for parts and reject rate): no randomness, same on retry. */
function pick(brokerOrderId: string, purpose: string): number {
  return createHash('sha256').update(`${purpose}\n${brokerOrderId}`).digest().readUInt32BE(0);
}
