// What the reconciliation API tests share: uploading a statement, waiting for its workflow, handmade
// CSV statements on a day of their own, movements of the EUR omnibus account to match them, and the
// reconciliation pages as a person sees them.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect } from 'vitest';
import { SESSION_COOKIE } from '../../api/auth/session.js';
import { mountWeb } from '../../api/pages/mount.js';
import { startTestApp, type TestApp } from '../../api/testing.js';
import { ensureSystemAccounts, postEntry } from '../../db/ledger/index.js';
import {
  internalReconciliation,
  internalReconciliationStateQuery,
} from '../../workflows/internal-reconciliation.js';
import { retryTransient } from '../support/transient.js';
import { post, startApiWorld, type ApiWorld, type Person } from './helpers.js';

/**
 * POST /ops/reconciliations with the file. A 503 temporarily_unavailable (the workflow's first task
 * slower than the request deadline on a loaded machine) is retried with the same key, as the answer
 * tells a client to: the retry reaches the same statements and workflows.
 */
export async function uploadStatement(
  w: ApiWorld,
  person: Person,
  data: Buffer | string,
  fields: Record<string, string> = { source: 'bank' },
  key: string = randomUUID(),
) {
  for (let attempt = 1; ; attempt++) {
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) form.append(name, value);
    form.append('file', new Blob([new Uint8Array(Buffer.from(data))]), 'statement');
    const answer = await w.as(person, '/ops/reconciliations', {
      method: 'POST',
      body: form,
      idempotencyKey: key,
    });
    if (answer.status !== 503 || answer.body?.error?.code !== 'temporarily_unavailable' || attempt === 3)
      return answer;
  }
}

export async function storedFiles(w: ApiWorld): Promise<number> {
  const { rows } = await w.app.pool.query<{ n: string }>('SELECT count(*) AS n FROM recon_file');
  return Number(rows[0]?.n);
}

/** Polls the reconciliation until `done` (matching runs in the workflow after the start answered). */
export async function waitForReconciliation(
  w: ApiWorld,
  reader: Person,
  id: string,
  done: (r: { status: string }) => boolean,
  timeoutMs = 20_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await w.as(reader, `/ops/reconciliations/${id}`);
    expect(answer.status, answer.text).toBe(200);
    if (done(answer.body) || Date.now() > deadline) return answer.body;
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** A day of its own in the past, far from any other test's movements. */
export function uniqueDay(): string {
  const ms = Date.UTC(2002, 0, 1) + Math.floor(Math.random() * 6000) * 86_400_000;
  return new Date(ms).toISOString().slice(0, 10);
}

export function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** A statement in the documented CSV mapping: rows of type, currency, day, amount, reference, text. */
export function csvStatement(rows: string[][], extraColumns: string[] = []): string {
  return [
    ['type', 'currency', 'booking_date', 'amount', 'reference', 'description', ...extraColumns],
    ...rows,
  ]
    .map((r) => r.join(','))
    .join('\n');
}

/** A posted movement of bank:omnibus:EUR (positive: money in), against suspense. */
export async function omnibusMovement(w: ApiWorld, amountMinor: bigint, day: string, workflowId?: string) {
  const transfer =
    amountMinor >= 0n
      ? { debit: 'bank:omnibus:EUR', credit: 'suspense:EUR', amount: amountMinor }
      : { debit: 'suspense:EUR', credit: 'bank:omnibus:EUR', amount: -amountMinor };
  return postEntry(w.app.pool, {
    idempotencyKey: `test-recon-api/${randomUUID()}`,
    kind: 'deposit.confirm',
    description: 'a movement of the omnibus account',
    transfers: [transfer],
    workflowId,
    effectiveAt: new Date(`${day}T10:00:00Z`),
  });
}

/** What the Schedule starts; the run stays open at DIFFERENCES until every break is explained. */
export async function internalRunWithDifference(w: ApiWorld, quantity: bigint) {
  // Certificates the ledger shows in our registry omnibus account that the registry never had.
  await postEntry(w.app.pool, {
    idempotencyKey: `test-recon-internal/${randomUUID()}`,
    kind: 'recon.adjust',
    description: 'certificates the registry never delivered',
    transfers: [{ debit: 'registry:omnibus:CEA', credit: 'suspense:CEA', amount: quantity }],
  });
  const workflowId = `internal-reconciliation-test-${randomUUID()}`;
  const handle = await w.temporal.client.workflow.start(internalReconciliation, {
    taskQueue: w.temporal.taskQueue,
    workflowId,
    args: [{ breakDueMs: 60_000 }],
  });
  const deadline = Date.now() + 20_000;
  let state = await handle.query(internalReconciliationStateQuery);
  while (state.status === 'RUNNING' && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 150));
    state = await handle.query(internalReconciliationStateQuery);
  }
  expect(state.status).toBe('DIFFERENCES');
  const { rows } = await w.app.pool.query<{ id: string; kind: string; asset: string }>(
    'SELECT id, kind, asset FROM recon_break WHERE internal_run_id = $1 ORDER BY created_at, id',
    [workflowId],
  );
  return { workflowId, handle, breaks: rows };
}

/**
 * The pages, from a test app with the web mounted (it needs the built web app, so callers put this in
 * a block TEST_WEB=0 skips): started in the block's beforeAll, closed after it. Answers `page`, a
 * request with `person`'s session cookie, as the login page would have set it, redirects not followed.
 */
export function usePages(): (person: Person, path: string, init?: RequestInit) => Promise<Response> {
  let web: TestApp | undefined;
  beforeAll(async () => {
    web = await startTestApp({ apiRateLimitPerMinute: 0, mountWeb });
  });
  afterAll(async () => {
    await web?.close();
  });
  return (person, path, init = {}) => {
    if (!web) throw new Error('the pages start in beforeAll: ask for one in a test');
    const headers = new Headers(init.headers);
    headers.set('cookie', `${SESSION_COOKIE}=${person.token}`);
    return fetch(`${web.url}${path}`, { ...init, headers, redirect: 'manual' });
  };
}

/** The people of a four-eyes break: two operators (one proposes, the other approves) and an auditor. */
export interface BreakStaff {
  w: ApiWorld;
  ops: Person;
  ops2: Person;
  auditor: Person;
}

/** An API world with the system accounts and the break's staff (stop it with `w.stop()`). */
export async function startBreakStaff(): Promise<BreakStaff> {
  const w = await startApiWorld();
  await ensureSystemAccounts(w.app.pool);
  const [ops, ops2, auditor] = await Promise.all([
    w.person('operations'),
    w.person('operations'),
    w.person('auditor'),
  ]);
  return { w, ops, ops2, auditor };
}

/**
 * The second operator's approval of a break's adjustment, resolving it. A 503 is asked again with the
 * same X-Request-Id, as the answer says, so the approval is applied once.
 */
export async function approveToResolved(w: ApiWorld, approver: Person, breakId: string) {
  const requestId = randomUUID();
  const approved = await retryTransient(() =>
    post(w, approver, `/ops/reconciliation-breaks/${breakId}/approve`, {}, requestId),
  );
  expect(approved.status, approved.text).toBe(200);
  expect(approved.body).toMatchObject({ status: 'RESOLVED', approvedBy: approver.id });
  return approved;
}

/** What an entry credited to the registry's CEA omnibus account, as a decimal string of units. */
export async function omnibusCeaCredit(w: ApiWorld, entryId: string): Promise<string | undefined> {
  const { rows } = await w.app.pool.query<{ credit: string }>(
    `SELECT sum(l.credit)::text AS credit FROM journal_line l JOIN ledger_account a ON a.id = l.account_id
      WHERE l.entry_id = $1 AND a.code = 'registry:omnibus:CEA'`,
    [entryId],
  );
  return rows[0]?.credit;
}
