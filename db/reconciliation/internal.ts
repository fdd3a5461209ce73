// What the internal reconciliation reads (every account's running totals) and writes (the run with
// what it checked, one break and one inbox task per difference), once per run: a retried activity
// finds its run stored and answers the stored count.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { AccountBalance, InternalDifference } from '../../domain/reconciliation/internal.js';
import { RECON_BREAK_TASK_PREFIX } from './matching.js';

export async function accountBalances(pool: pg.Pool): Promise<AccountBalance[]> {
  const { rows } = await pool.query<{ code: string; asset: string; net: string }>(
    'SELECT code, asset, (debits_posted - credits_posted)::text AS net FROM ledger_account ORDER BY code',
  );
  return rows.map((r) => ({ code: r.code, asset: r.asset, netDebitMinor: BigInt(r.net) }));
}

export async function storeInternalRun(
  pool: pg.Pool,
  run: {
    runId: string;
    workflowId: string;
    checks: Record<string, number>;
    differences: InternalDifference[];
    dueAt: string;
    at: string;
  },
): Promise<{ differences: number }> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const inserted = await client.query(
      `INSERT INTO recon_internal_run (id, ran_at, checks, differences) VALUES ($1, $2, $3, $4)
       ON CONFLICT (id) DO NOTHING RETURNING id`,
      [run.runId, run.at, JSON.stringify(run.checks), run.differences.length],
    );
    if (inserted.rowCount === 0) {
      await client.query('ROLLBACK');
      const { rows } = await pool.query<{ differences: number }>(
        'SELECT differences FROM recon_internal_run WHERE id = $1',
        [run.runId],
      );
      return { differences: rows[0]?.differences ?? 0 };
    }
    for (const d of run.differences) {
      const id = randomUUID();
      await client.query(
        `INSERT INTO recon_break (id, internal_run_id, workflow_id, kind, difference_minor, asset, detail, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [
          id,
          run.runId,
          run.workflowId,
          d.check,
          d.differenceMinor.toString(),
          d.asset,
          JSON.stringify({ ...d.detail, account: d.account }),
          run.at,
        ],
      );
      await client.query(
        `INSERT INTO task (kind, workflow_id, subject_type, subject_id, required_role, created_at, due_at, summary, priority)
         VALUES ($1, $2, 'reconciliation_break', $3, 'operations', $4, $5, $6, 1)`,
        [
          `${RECON_BREAK_TASK_PREFIX}:${id}`,
          run.workflowId,
          id,
          run.at,
          run.dueAt,
          `Internal reconciliation: ${d.check.replaceAll('_', ' ')} ${d.asset}${d.account ? ` ${d.account}` : ''} (${d.differenceMinor} minor units)`,
        ],
      );
    }
    await client.query('COMMIT');
    return { differences: run.differences.length };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
