// The market makers' quotes (PUT /quotes/:symbol): which orders each PUT placed (quote_order), and
// one lock per (owner, symbol) (quote_slot) that a PUT holds while it replaces the pair.
import type pg from 'pg';

type Db = pg.Pool | pg.PoolClient;

/** How long a PUT waits for the previous one of the same caller and symbol before giving up. */
export const QUOTE_SLOT_WAIT_MS = 30_000;

/**
 * Runs `work` holding the row lock of (owner, symbol) in quote_slot, on a connection of its own:
 * two PUTs of one caller on one symbol take turns, whatever server they reach. The row is created
 * on first use; the count of replacements goes up when `work` succeeds.
 */
export async function withQuoteSlot<T>(
  pool: pg.Pool,
  ownerId: string,
  symbol: string,
  work: () => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(`SELECT set_config('lock_timeout', $1, true)`, [`${QUOTE_SLOT_WAIT_MS}ms`]);
    await client.query(
      `INSERT INTO quote_slot (owner_id, symbol) VALUES ($1, $2) ON CONFLICT (owner_id, symbol) DO NOTHING`,
      [ownerId, symbol],
    );
    await client.query(`SELECT 1 FROM quote_slot WHERE owner_id = $1 AND symbol = $2 FOR UPDATE`, [
      ownerId,
      symbol,
    ]);
    const result = await work();
    await client.query(
      `UPDATE quote_slot SET replaced_count = replaced_count + 1, updated_at = now()
        WHERE owner_id = $1 AND symbol = $2`,
      [ownerId, symbol],
    );
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** Orders of the caller's quotes on `symbol` that no later PUT has taken off yet. */
export async function liveQuoteOrders(db: Db, ownerId: string, symbol: string): Promise<string[]> {
  const { rows } = await db.query<{ order_id: string }>(
    `SELECT order_id FROM quote_order WHERE owner_id = $1 AND symbol = $2 AND replaced_at IS NULL
      ORDER BY created_at`,
    [ownerId, symbol],
  );
  return rows.map((r) => r.order_id);
}

/** Written before the orders are placed, so a PUT that dies half-way leaves them findable. */
export async function recordQuoteOrders(
  db: Db,
  ownerId: string,
  symbol: string,
  orders: readonly { orderId: string; side: 'BUY' | 'SELL' }[],
): Promise<void> {
  await db.query(
    `INSERT INTO quote_order (order_id, owner_id, symbol, side)
     SELECT o.id, $1, $2, o.side FROM unnest($3::uuid[], $4::text[]) AS o (id, side)
     ON CONFLICT (order_id) DO NOTHING`,
    [ownerId, symbol, orders.map((o) => o.orderId), orders.map((o) => o.side)],
  );
}

export async function markQuoteOrdersReplaced(db: Db, orderIds: readonly string[]): Promise<void> {
  if (orderIds.length === 0) return;
  await db.query(
    `UPDATE quote_order SET replaced_at = now() WHERE order_id = ANY($1::uuid[]) AND replaced_at IS NULL`,
    [orderIds],
  );
}
