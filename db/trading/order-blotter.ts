// The order blotter: orders from the lifecycle read model (type 'order'), filtered by what the
// order workflow records in the row's attributes (symbol, side, clientOrderId). The kit's lister
// filters status and owner only; clients and staff list orders through this one query.
import type pg from 'pg';
import {
  decodeCursor,
  encodeCursor,
  clampLimit,
  InvalidCursorError,
  type Page,
} from '../lifecycle/cursor.js';
import type { LifecycleSummary } from '../lifecycle/index.js';
import { isUuid } from '../../domain/ids.js';
import { ORDER_TYPE } from '../../domain/order-types.js';

export interface ListOrdersInput {
  /** One client's orders (always set for a client caller). */
  ownerId?: string;
  status?: string;
  symbol?: string;
  side?: string;
  /** An order id (business id) or a client order id, exactly. */
  search?: string;
  limit?: number;
  cursor?: string | null;
}

interface OrderRow {
  workflow_id: string;
  business_id: string;
  owner_id: string | null;
  status: string;
  attributes: Record<string, unknown>;
  created_at: Date;
  created_at_text: string;
  updated_at: Date;
  closed_at: Date | null;
  last_seq: number;
}

const CURSOR_KIND = 'order';

/** Newest first (created_at, workflow_id), keyset-paginated. Throws InvalidCursorError. */
export async function listOrderSummaries(
  pool: pg.Pool,
  input: ListOrdersInput,
): Promise<Page<LifecycleSummary>> {
  const limit = clampLimit(input.limit);
  const params: unknown[] = [ORDER_TYPE];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const conditions = ['type = $1'];
  if (input.ownerId !== undefined) {
    if (!isUuid(input.ownerId)) return { items: [], nextCursor: null };
    conditions.push(`owner_id = ${param(input.ownerId.toLowerCase())}`);
  }
  if (input.status !== undefined) conditions.push(`status = ${param(input.status)}`);
  if (input.symbol !== undefined) conditions.push(`attributes->>'symbol' = ${param(input.symbol)}`);
  if (input.side !== undefined) conditions.push(`attributes->>'side' = ${param(input.side)}`);
  if (input.search !== undefined) {
    const term = param(input.search);
    conditions.push(
      isUuid(input.search)
        ? `(business_id = lower(${term}) OR attributes->>'clientOrderId' = ${term})`
        : `attributes->>'clientOrderId' = ${term}`,
    );
  }
  if (input.cursor) {
    // PostgreSQL's own text of the instant (microseconds), so no row is skipped or repeated.
    const [createdAt, workflowId] = decodeCursor(CURSOR_KIND, input.cursor, ['s', 's']) as string[];
    if (Number.isNaN(Date.parse(createdAt!))) throw new InvalidCursorError(input.cursor);
    conditions.push(`(created_at, workflow_id) < (${param(createdAt)}::timestamptz, ${param(workflowId)})`);
  }
  const { rows } = await pool.query<OrderRow>(
    `SELECT workflow_id, business_id, owner_id, status, attributes, created_at,
            created_at::text AS created_at_text, updated_at, closed_at, last_seq
       FROM lifecycle WHERE ${conditions.join(' AND ')}
      ORDER BY created_at DESC, workflow_id DESC LIMIT ${param(limit + 1)}`,
    params,
  );
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map((row) => ({
      workflowId: row.workflow_id,
      type: ORDER_TYPE,
      businessId: row.business_id,
      ownerId: row.owner_id,
      status: row.status,
      attributes: row.attributes,
      createdAt: row.created_at.toISOString(),
      updatedAt: row.updated_at.toISOString(),
      closedAt: row.closed_at?.toISOString() ?? null,
      lastSeq: row.last_seq,
    })),
    nextCursor:
      rows.length > limit && last
        ? encodeCursor(CURSOR_KIND, [last.created_at_text, last.workflow_id])
        : null,
  };
}
