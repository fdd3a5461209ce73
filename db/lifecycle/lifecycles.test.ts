// Paging lifecycles newest first. The cursor once held created_at as a JavaScript ISO string, which
// keeps milliseconds while PostgreSQL keeps microseconds: rows created in the same millisecond just
// before a page's last row were skipped (found exporting 520 deposits inserted by one statement).
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { testPool } from '../ledger/test-support.js';
import { encodeCursor } from './cursor.js';
import { listLifecycles } from './lifecycles.js';

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
});
