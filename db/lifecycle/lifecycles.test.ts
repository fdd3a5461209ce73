// Paging lifecycles newest first. The cursor once held created_at as a JavaScript ISO string, which
// keeps milliseconds while PostgreSQL keeps microseconds: rows created in the same millisecond just
// before a page's last row were skipped (found exporting 520 deposits inserted by one statement).
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { testPool } from '../ledger/test-support.js';
import { encodeCursor } from './cursor.js';
import { listLifecycles, listLifecyclesWithTransitions } from './lifecycles.js';

const pool = testPool(2);

afterAll(async () => {
  await pool.end();
});

describe('listLifecycles', () => {
  it('pages through rows created within one millisecond without skipping any', async () => {
    const owner = randomUUID();
    const inserted = await pool.query<{ workflow_id: string }>(
      `INSERT INTO lifecycle (workflow_id, type, business_id, owner_id, status, attributes, created_at, updated_at, last_seq)
       SELECT 'deposit-' || b, 'deposit', b, $1, 'PENDING', '{}'::jsonb, t, t, 1
         FROM generate_series(1, 5) AS n,
              LATERAL (SELECT gen_random_uuid()::text AS b,
                              timestamptz '2026-01-01 00:00:00.000100+00' + n * interval '100 microseconds' AS t) x
       RETURNING workflow_id`,
      [owner],
    );
    expect(inserted.rows).toHaveLength(5);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await listLifecycles(pool, { ownerId: owner, limit: 1, cursor });
      seen.push(...page.items.map((item) => item.workflowId));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.sort()).toEqual(inserted.rows.map((row) => row.workflow_id).sort());
  });

  it('still reads a cursor handed out before, holding an ISO time', async () => {
    const owner = randomUUID();
    await pool.query(
      `INSERT INTO lifecycle (workflow_id, type, business_id, owner_id, status, attributes, created_at, updated_at, last_seq)
       SELECT 'deposit-' || b, 'deposit', b, $1, 'PENDING', '{}'::jsonb, t, t, 1
         FROM generate_series(1, 2) AS n,
              LATERAL (SELECT gen_random_uuid()::text AS b, timestamptz '2026-01-02 00:00:00+00' + n * interval '1 second' AS t) x`,
      [owner],
    );
    const old = encodeCursor('lifecycle', ['2026-01-02T00:00:02.000Z', 'deposit-']);
    const page = await listLifecycles(pool, { ownerId: owner, cursor: old });
    expect(page.items.map((item) => item.createdAt)).toEqual(['2026-01-02T00:00:01.000Z']);
  });

  it('writes every time as a Date would (UTC, milliseconds truncated), and those of its transitions', async () => {
    const owner = randomUUID();
    const businessId = randomUUID();
    const workflowId = `deposit-${businessId}`;
    // Microseconds a Date cannot hold, a time zone offset, and the last microsecond of a day.
    const created = '2026-03-04 23:59:59.999999+00';
    const updated = '2026-03-05 01:02:03.0405+02';
    const at = '2026-03-05 00:00:00.000999+00';
    await pool.query(
      `INSERT INTO lifecycle (workflow_id, type, business_id, owner_id, status, attributes, created_at, updated_at, closed_at, last_seq)
       VALUES ($1, 'deposit', $2, $3, 'CLEARED', '{}'::jsonb, $4, $5, $5, 1)`,
      [workflowId, businessId, owner, created, updated],
    );
    await pool.query(
      `INSERT INTO lifecycle_event (workflow_id, seq, at, from_status, to_status, data)
       VALUES ($1, 1, $2, NULL, 'CLEARED', '{}'::jsonb)`,
      [workflowId, at],
    );
    const { items } = await listLifecyclesWithTransitions(pool, { ownerId: owner });
    expect(items).toHaveLength(1);
    const item = items[0]!;
    expect([item.createdAt, item.updatedAt, item.closedAt]).toEqual([
      '2026-03-04T23:59:59.999Z',
      '2026-03-04T23:02:03.040Z',
      '2026-03-04T23:02:03.040Z',
    ]);
    expect(item.transitions.map((t) => t.entry.at)).toEqual(['2026-03-05T00:00:00.000Z']);
  });
});
