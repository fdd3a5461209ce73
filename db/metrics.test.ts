// The gauges' queries on a transaction that is rolled back: the rows they are shown never reach the
// shared test database.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testPool } from './ledger/test-support.js';
import type { Db } from './ledger/index.js';
import { lifecycleOldestIdle } from './metrics.js';

let db: Db;

beforeAll(() => {
  db = testPool(2);
});

afterAll(async () => {
  await db.end();
});

describe('lifecycleOldestIdle', () => {
  it('is the age of the longest-idle open lifecycle that has no open task, per type and status', async () => {
    const client = await db.connect();
    const type = `metrics_test_${randomUUID().slice(0, 8)}`;
    const lifecycle = (status: string, idleMinutes: number, closed = false) =>
      client.query(
        `INSERT INTO lifecycle (workflow_id, type, business_id, status, created_at, updated_at, closed_at, last_seq)
         VALUES ($1, $2, $3, $4, now() - interval '2 hours', now() - make_interval(mins => $5::int),
                 CASE WHEN $6::boolean THEN now() END, 1)`,
        [`${type}-${randomUUID()}`, type, randomUUID(), status, idleMinutes, closed],
      );
    try {
      await client.query('BEGIN');
      await lifecycle('PROCESSING', 40);
      await lifecycle('PROCESSING', 10);
      await lifecycle('PROCESSING', 90, true); // closed: not waiting for anything
      await lifecycle('ON_HOLD', 20);
      const waiting = `${type}-waiting`;
      await client.query(
        `INSERT INTO lifecycle (workflow_id, type, business_id, status, created_at, updated_at, last_seq)
         VALUES ($1, $2, $3, 'REVIEW', now() - interval '2 hours', now() - interval '2 hours', 1)`,
        [waiting, type, randomUUID()],
      );
      await client.query(
        `INSERT INTO task (workflow_id, kind, subject_type, subject_id, required_role, created_at)
         VALUES ($1, 'metrics.review', 'lifecycle', $1, 'operations', now())`,
        [waiting],
      );

      const rows = (await lifecycleOldestIdle(client)).filter((r) => r.type === type);
      const ages = Object.fromEntries(rows.map((r) => [r.status, Math.round(r.seconds / 60)]));
      // The REVIEW one has a task (someone is asked to act), so it is not idle in this sense.
      expect(ages).toEqual({ PROCESSING: 40, ON_HOLD: 20 });
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });
});
