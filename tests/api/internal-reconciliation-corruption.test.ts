// The internal reconciliation's four checks on a database of this file's own, against differences
// made behind the posting engine's back the way corruption or a bad manual fix would make them (raw
// SQL with the ledger's triggers off: the engine itself refuses every one of them). Each case breaks
// the books, runs the activity, asserts every difference with its check, asset, account and amount,
// and that each is a stored break with an open inbox task; then it puts the books back, and the
// control — clean books — reports nothing, before and after. One case runs the workflow itself on
// the dev server, through its break's dismissal to RESOLVED.
import { beforeAll, describe, expect, it, vi } from 'vitest';

// Before any module reads DATABASE_URL: this file's own database (created and migrated below).
vi.hoisted(() => {
  process.env.DATABASE_URL = `${process.env.DATABASE_URL}_internal_recon_checks`;
});

import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { createInternalReconciliationActivities } from '../../activities/internal-reconciliation.js';
import { PLATFORM_REGISTRY_ACCOUNTS, SimulatedRegistry } from '../../activities/registry-adapter.js';
import { ensureClientAccounts, ensureSystemAccounts, postEntry } from '../../db/ledger/index.js';
import { getPool, inTransaction } from '../../db/pool.js';
import { useOwnDatabase } from '../support/own-database.js';
import { startTestWorker } from '../support/temporal.js';
import {
  internalReconciliation,
  internalReconciliationStateQuery,
  resolveInternalBreakUpdate,
} from '../../workflows/internal-reconciliation.js';
import { RECON_BREAK_TASK_PREFIX } from '../../db/reconciliation/matching.js';
import { clientAccountCode, systemAccountCode } from '../../domain/postings.js';
import type { AssetCode } from '../../domain/money.js';
import { INTERNAL_RECONCILIATION_TYPE } from '../../domain/reconciliation/internal.js';

let pool: pg.Pool;
let registry: SimulatedRegistry;
const clientId = randomUUID();
const held = (asset: AssetCode) => clientAccountCode(clientId, asset, 'held');
const omnibus = (asset: AssetCode) => systemAccountCode('omnibus', asset);
const EU_OMNIBUS = PLATFORM_REGISTRY_ACCOUNTS.EU.omnibus;
const CN_OMNIBUS = PLATFORM_REGISTRY_ACCOUNTS.CN.omnibus;

/** Deposits the engine posted, and the certificates the registries hold for them. */
const BOOKS: [AssetCode, bigint][] = [
  ['EUR', 10_000n],
  ['USD', 5_000n],
  ['EUA', 20n],
  ['CEA', 7n],
];

useOwnDatabase('_internal_recon_checks');

beforeAll(async () => {
  pool = getPool();
  registry = new SimulatedRegistry(pool, {});
  await ensureSystemAccounts(pool);
  for (const [asset, amount] of BOOKS) {
    await ensureClientAccounts(pool, clientId, asset);
    await postEntry(pool, {
      idempotencyKey: `books/${asset}`,
      kind: 'deposit.confirm',
      description: `deposit of ${asset}`,
      transfers: [{ debit: omnibus(asset), credit: held(asset), amount }],
    });
  }
  await arriveAtRegistry('EU', 'EUA', 20n, 'books-eua');
  await arriveAtRegistry('CN', 'CEA', 7n, 'books-cea');
});

function arriveAtRegistry(reg: 'EU' | 'CN', asset: AssetCode, quantity: bigint, transferId: string) {
  const ours = reg === 'EU' ? EU_OMNIBUS : CN_OMNIBUS;
  return registry.simulateIncoming({
    transferId,
    registry: reg,
    asset,
    quantity,
    from: `${reg}-CLIENT-1`,
    to: ours,
  });
}

/** Raw SQL in one transaction with the ledger's triggers (append-only, balanced entries) switched off. */
async function behindTheEngine(statements: [string, unknown[]?][]): Promise<void> {
  await inTransaction(pool, async (client) => {
    await client.query('SET LOCAL session_replication_role = replica');
    for (const [sql, params] of statements) await client.query(sql, params ?? []);
  });
}

/** An entry of one-sided lines, inserted without the engine; its id doubles as the idempotency key. */
function rawEntry(
  id: string,
  status: 'posted' | 'pending',
  lines: { account: string; debit: bigint; credit: bigint }[],
): [string, unknown[]][] {
  return [
    [
      `INSERT INTO journal_entry (id, idempotency_key, payload_hash, kind, description, status)
       VALUES ($1::uuid, $1::text, repeat('0', 64), 'manual.fix', 'made behind the engine''s back', $2)`,
      [id, status],
    ],
    ...lines.map((l): [string, unknown[]] => [
      `INSERT INTO journal_line (entry_id, account_id, asset, debit, credit, pending)
       SELECT $1, id, asset, $3, $4, $5 FROM ledger_account WHERE code = $2`,
      [id, l.account, l.debit.toString(), l.credit.toString(), status === 'pending'],
    ]),
  ];
}

const removeEntry = (id: string): [string, unknown[]][] => [
  ['DELETE FROM journal_line WHERE entry_id = $1', [id]],
  ['DELETE FROM journal_entry WHERE id = $1', [id]],
];

/** Moves one running total of an account by `byMinor` (negative to put it back). */
const moveTotal = (code: string, total: string, byMinor: bigint): [string, unknown[]] => [
  `UPDATE ledger_account SET ${total} = ${total} + $2 WHERE code = $1`,
  [code, byMinor.toString()],
];

interface Found {
  check: string;
  asset: string;
  account: string | null;
  differenceMinor: bigint;
  detail: Record<string, string>;
}

/** Runs the activity and answers the run's stored breaks, each asserted to have its open task. */
async function runChecks(): Promise<Found[]> {
  const runId = `internal-reconciliation-test-${randomUUID()}`;
  // The run's lifecycle row, which the workflow's first transition writes before this activity runs.
  await pool.query(
    `INSERT INTO lifecycle (workflow_id, type, business_id, status, created_at, updated_at, last_seq)
     VALUES ($1, $2, $1, 'RUNNING', now(), now(), 1)`,
    [runId, INTERNAL_RECONCILIATION_TYPE],
  );
  const activities = createInternalReconciliationActivities({ pool, registry });
  const answer = await activities.runInternalReconciliation({ runId, workflowId: runId, breakDueMs: 60_000 });
  expect(answer.checks).toEqual({
    trial_balance: await countOf('SELECT count(*)::int AS n FROM asset'),
    account_totals: await countOf('SELECT count(*)::int AS n FROM ledger_account'),
    omnibus_vs_clients: await countOf('SELECT count(DISTINCT asset)::int AS n FROM ledger_account'),
    registry_positions: 2,
  });
  const { rows } = await pool.query<{
    id: string;
    kind: string;
    asset: string;
    difference_minor: string;
    detail: Record<string, string>;
    task_kind: string;
    task_status: string;
    run_differences: number;
  }>(
    `SELECT b.id, b.kind, b.asset, b.difference_minor::text, b.detail, t.kind AS task_kind,
            t.status AS task_status, r.differences AS run_differences
       FROM recon_break b
       JOIN recon_internal_run r ON r.id = b.internal_run_id
       LEFT JOIN task t ON t.subject_type = 'reconciliation_break' AND t.subject_id = b.id::text
      WHERE b.internal_run_id = $1
      ORDER BY b.kind, b.asset, b.difference_minor`,
    [runId],
  );
  expect(answer.differences).toBe(rows.length);
  for (const row of rows) {
    expect(row.run_differences).toBe(rows.length);
    expect(row.task_kind).toBe(`${RECON_BREAK_TASK_PREFIX}:${row.id}`);
    expect(row.task_status).toBe('open');
  }
  return rows.map((r) => {
    const { account = null, ...detail } = r.detail;
    return { check: r.kind, asset: r.asset, account, differenceMinor: BigInt(r.difference_minor), detail };
  });
}

/** What a check covers: every asset, every account (a case's hand-made one too). */
async function countOf(sql: string): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(sql);
  return rows[0]?.n ?? 0;
}

describe('the internal reconciliation on corrupted books', () => {
  it('reports nothing on clean books (the control)', async () => {
    expect(await runChecks()).toEqual([]);
  });

  it('finds an entry whose credit line was lost: the trial balance, and the omnibus it inflated', async () => {
    const id = randomUUID();
    const corrupt = rawEntry(id, 'posted', [{ account: omnibus('USD'), debit: 250n, credit: 0n }]);
    // The running total moved as the engine would have moved it: only the lines are unbalanced.
    await behindTheEngine([...corrupt, moveTotal(omnibus('USD'), 'debits_posted', 250n)]);
    try {
      expect(await runChecks()).toEqual([
        {
          check: 'omnibus_vs_clients',
          asset: 'USD',
          account: null,
          differenceMinor: 250n,
          detail: { held: '5250', owed: '5000', unexplained: '0' },
        },
        {
          check: 'trial_balance',
          asset: 'USD',
          account: null,
          differenceMinor: 250n,
          detail: { lines: 'posted', debits: '5250', credits: '5000' },
        },
      ]);
    } finally {
      await behindTheEngine([...removeEntry(id), moveTotal(omnibus('USD'), 'debits_posted', -250n)]);
    }
  });

  it('finds an open hold whose pending lines do not balance, which nothing else sees', async () => {
    const id = randomUUID();
    const corrupt = rawEntry(id, 'pending', [{ account: held('EUA'), debit: 3n, credit: 0n }]);
    await behindTheEngine([...corrupt, moveTotal(held('EUA'), 'debits_pending', 3n)]);
    try {
      expect(await runChecks()).toEqual([
        {
          check: 'trial_balance',
          asset: 'EUA',
          account: null,
          differenceMinor: 3n,
          detail: { lines: 'pending', debits: '3', credits: '0' },
        },
      ]);
    } finally {
      await behindTheEngine([...removeEntry(id), moveTotal(held('EUA'), 'debits_pending', -3n)]);
    }
  });

  it('finds account totals changed by hand, each total with its amount', async () => {
    // A bad manual fix credits the client's EUR and raises a USD hold no line records.
    const fixes = [
      moveTotal(held('EUR'), 'credits_posted', 1234n),
      moveTotal(held('USD'), 'debits_pending', 70n),
    ];
    await behindTheEngine(fixes);
    try {
      expect(await runChecks()).toEqual([
        {
          check: 'account_totals',
          asset: 'EUR',
          account: held('EUR'),
          differenceMinor: 1234n,
          detail: { total: 'credits_posted', recorded: '11234', lines: '10000' },
        },
        {
          check: 'account_totals',
          asset: 'USD',
          account: held('USD'),
          differenceMinor: 70n,
          detail: { total: 'debits_pending', recorded: '70', lines: '0' },
        },
        // The posted total is what we owe the client: now more than the bank holds.
        {
          check: 'omnibus_vs_clients',
          asset: 'EUR',
          account: null,
          differenceMinor: -1234n,
          detail: { held: '10000', owed: '11234', unexplained: '0' },
        },
      ]);
    } finally {
      await behindTheEngine([
        moveTotal(held('EUR'), 'credits_posted', -1234n),
        moveTotal(held('USD'), 'debits_pending', -70n),
      ]);
    }
  });

  it('finds certificates booked into the omnibus against an account that owes no client', async () => {
    // They did arrive at the registry; the manual fix booked them to equity, not to the client.
    await arriveAtRegistry('CN', 'CEA', 9n, 'manual-fix-cea');
    const id = randomUUID();
    const equity = 'equity:manual-fix:CEA';
    await behindTheEngine([
      [`INSERT INTO ledger_account (code, asset, kind) VALUES ($1, 'CEA', 'equity')`, [equity]],
      ...rawEntry(id, 'posted', [
        { account: omnibus('CEA'), debit: 9n, credit: 0n },
        { account: equity, debit: 0n, credit: 9n },
      ]),
      moveTotal(omnibus('CEA'), 'debits_posted', 9n),
      moveTotal(equity, 'credits_posted', 9n),
    ]);
    try {
      expect(await runChecks()).toEqual([
        {
          check: 'omnibus_vs_clients',
          asset: 'CEA',
          account: null,
          differenceMinor: 9n,
          detail: { held: '16', owed: '7', unexplained: '-9' },
        },
      ]);
    } finally {
      await behindTheEngine([
        ...removeEntry(id),
        ['DELETE FROM ledger_account WHERE code = $1', [equity]],
        moveTotal(omnibus('CEA'), 'debits_posted', -9n),
        ['DELETE FROM simulated_registry_transfer WHERE transfer_id = $1', ['manual-fix-cea']],
      ]);
    }
  });

  it('finds certificates the registry moved out of our omnibus that the ledger never booked', async () => {
    await registry.simulateIncoming({
      transferId: 'unbooked-eua',
      registry: 'EU',
      asset: 'EUA',
      quantity: 5n,
      from: EU_OMNIBUS,
      to: 'EU-CLIENT-2',
    });
    try {
      expect(await runChecks()).toEqual([
        {
          check: 'registry_positions',
          asset: 'EUA',
          account: omnibus('EUA'),
          differenceMinor: -5n,
          detail: { registry: '15', ledger: '20' },
        },
      ]);
    } finally {
      await pool.query(`DELETE FROM simulated_registry_transfer WHERE transfer_id = 'unbooked-eua'`);
    }
  });

  it('the workflow on the dev server opens a break for a changed total and closes RESOLVED once it is dismissed', async () => {
    await behindTheEngine([moveTotal(held('EUR'), 'debits_pending', 40n)]);
    const t = await startTestWorker();
    try {
      const workflowId = `internal-reconciliation-corruption-${randomUUID()}`;
      const handle = await t.client.workflow.start(internalReconciliation, {
        workflowId,
        taskQueue: t.taskQueue,
        args: [{ breakDueMs: 60_000 }],
      });
      let state = await handle.query(internalReconciliationStateQuery);
      for (let i = 0; i < 150 && state.status === 'RUNNING'; i++) {
        await new Promise((r) => setTimeout(r, 200));
        state = await handle.query(internalReconciliationStateQuery);
      }
      expect(state).toMatchObject({ status: 'DIFFERENCES', differences: 1 });
      const { rows } = await pool.query<{
        id: string;
        kind: string;
        difference_minor: string;
        detail: object;
      }>('SELECT id, kind, difference_minor::text, detail FROM recon_break WHERE internal_run_id = $1', [
        workflowId,
      ]);
      expect(rows).toEqual([
        {
          id: expect.any(String),
          kind: 'account_totals',
          difference_minor: '40',
          detail: { account: held('EUR'), total: 'debits_pending', recorded: '40', lines: '0' },
        },
      ]);
      const ops = { id: randomUUID(), role: 'operations' as const };
      await handle.executeUpdate(resolveInternalBreakUpdate, {
        args: [{ actor: ops, breakId: rows[0]!.id, resolution: 'dismiss', note: 'total put back by hand' }],
      });
      expect(await handle.result()).toEqual({ status: 'RESOLVED', differences: 1 });
    } finally {
      await t.stop();
      await behindTheEngine([moveTotal(held('EUR'), 'debits_pending', -40n)]);
    }
  }, 60_000);

  it('reports nothing again once every case put the books back', async () => {
    expect(await runChecks()).toEqual([]);
  });
});
