// The archive sweeper against a real worker, Temporal and PostgreSQL: a closed lifecycle is archived
// without a child workflow, a run still open is postponed (then archived once it closes), and a
// debt for a run Temporal does not know is settled without an archive. Other files' workers sweep
// the same table in a full run, so every check waits for the outcome, whoever produced it.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowHandle } from '@temporalio/client';
import { startTestWorker, type TestTemporal } from '../tests/support/temporal.js';
import { closePool, getPool } from '../db/pool.js';
import { ensureClientAccounts } from '../db/ledger/index.js';
import { getHistoryArchiveSummary, historySha256 } from '../db/history/index.js';
import { archiveDueBacklog, oweHistoryArchive } from '../db/history/archive-due.js';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { depositPolicy, depositReference, depositWorkflowId } from '../domain/deposit.js';
import { closeArchiveTemporalClient } from './history-archive.js';
import { retryDelayMs } from './history-archive-sweeper.js';
import { confirmDepositUpdate, deposit } from '../workflows/deposit.js';

const pool = getPool();
let t: TestTemporal;

beforeAll(async () => {
  t = await startTestWorker();
});

afterAll(async () => {
  await t?.stop();
  await closeArchiveTemporalClient();
  await closePool();
});

async function until<T>(what: string, probe: () => Promise<T | null | undefined>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== null && value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The patch ids a history's markers record. */
function patchesOf(history: Awaited<ReturnType<WorkflowHandle['fetchHistory']>>): string[] {
  return (history.events ?? []).flatMap((event) => {
    const attributes = event.markerRecordedEventAttributes;
    const data =
      attributes?.markerName === 'core_patch' && attributes.details?.['patch-data']?.payloads?.[0]?.data;
    return data ? [(JSON.parse(Buffer.from(data).toString('utf8')) as { id: string }).id] : [];
  });
}

async function dueRow(workflowId: string) {
  const { rows } = await pool.query<{ run_id: string | null; attempts: number; due_in_ms: number }>(
    `SELECT run_id, attempts, EXTRACT(EPOCH FROM due_at - now()) * 1000 AS due_in_ms
       FROM history_archive_due WHERE workflow_id = $1`,
    [workflowId],
  );
  return rows[0];
}

async function startDeposit(holdMs: number) {
  const clientId = randomUUID();
  await ensureClientAccounts(pool, clientId, 'EUR');
  const businessId = randomUUID();
  const handle = await t.client.workflow.start(deposit, {
    taskQueue: t.taskQueue,
    workflowId: depositWorkflowId(businessId),
    args: [
      {
        businessId,
        clientId,
        amount: '10.00',
        currency: 'EUR',
        reference: depositReference(businessId),
        policy: depositPolicy({ shortHoldMs: holdMs, longHoldMs: holdMs }),
        requestedBy: { id: clientId, role: 'client' },
      },
    ],
  });
  return { handle, reference: depositReference(businessId) };
}

describe('the history archive sweeper', () => {
  it('archives a closed deposit without a child workflow, and pays the debt its closing recorded', async () => {
    const { handle, reference } = await startDeposit(1);
    await handle.executeUpdate(confirmDepositUpdate, {
      args: [
        {
          actor: { id: randomUUID(), role: 'operations' },
          receivedAmount: '10.00',
          senderReference: reference,
        },
      ],
    });
    expect(await handle.result()).toMatchObject({ status: 'CLEARED' });
    const archive = await until('the archive', () => getHistoryArchiveSummary(pool, handle.workflowId));
    const history = await handle.fetchHistory();
    expect(archive).toMatchObject({ type: 'deposit', runId: (await handle.describe()).runId });
    expect(archive.eventCount).toBe(history.events!.length);
    expect(archive.sha256).toBe(historySha256(JSON.parse(historyToJSON(history))));
    expect(await until('the debt paid', async () => ((await dueRow(handle.workflowId)) ? null : true))).toBe(
      true,
    );
    // The new shape: the patch marker, and no archiver child.
    expect(patchesOf(history)).toContain('archive-by-sweeper');
    expect(historyToJSON(history)).not.toContain('EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED');
  });

  it('postpones a run that has not closed, then archives it once it has', async () => {
    const { handle } = await startDeposit(60_000);
    const runId = (await handle.describe()).runId;
    await oweHistoryArchive(pool, handle.workflowId, runId);
    // Tried and found open: kept, with a later due time; nothing archived.
    const tried = await until('a try', async () => {
      const row = await dueRow(handle.workflowId);
      return row && row.attempts >= 1 ? row : null;
    });
    expect(tried.run_id).toBe(runId);
    expect(await getHistoryArchiveSummary(pool, handle.workflowId)).toBeNull();
    // The lag the metrics report counts it (other files' debts may be there too).
    const backlog = await archiveDueBacklog(pool);
    expect(backlog.pending).toBeGreaterThanOrEqual(1);
    expect(backlog.oldestSeconds).toBeGreaterThan(0);
    await handle.terminate('closed by the test');
    const archive = await until(
      'the archive',
      () => getHistoryArchiveSummary(pool, handle.workflowId),
      40_000,
    );
    expect(archive.runId).toBe(runId);
    expect(await until('the debt paid', async () => ((await dueRow(handle.workflowId)) ? null : true))).toBe(
      true,
    );
  });

  it('settles a debt for a run Temporal does not know, archiving nothing', async () => {
    const workflowId = `deposit-${randomUUID()}`;
    await oweHistoryArchive(pool, workflowId, randomUUID());
    expect(await until('the debt settled', async () => ((await dueRow(workflowId)) ? null : true))).toBe(
      true,
    );
    expect(await getHistoryArchiveSummary(pool, workflowId)).toBeNull();
  });

  it('waits longer after each try that found the run open, up to 30 s', () => {
    expect([1, 2, 3, 4].map(retryDelayMs)).toEqual([250, 500, 1000, 2000]);
    expect(retryDelayMs(20)).toBe(30_000);
  });
});
