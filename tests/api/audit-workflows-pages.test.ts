// The auditor's workflow pages, rendered by the real server (Remix SSR) against the real stack:
// the search page, the lifecycle page with the business timeline, the grouped event history, the
// ledger entries and the links, and the Replay form working as a plain HTML form POST (no script).
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { closeArchiveTemporalClient } from '../../activities/history-archive.js';
import { SESSION_COOKIE } from '../../api/auth/session.js';
import { resolveDeps } from '../../api/deps.js';
import { closeLifecycleNotifications } from '../../api/live-updates.js';
import { closeTemporalClient } from '../../api/temporal-client.js';
import { startTestApp } from '../../api/testing.js';
import { mountWeb, webBuildExists } from '../../api/pages/mount.js';
import { closePool } from '../../db/pool.js';
import { startTestWorker } from '../support/temporal.js';
import {
  TEST_DEPOSIT_POLICY,
  announced,
  post,
  waitForDeposit,
  type ApiWorld,
  type Person,
} from './helpers.js';

const previousBundle = process.env.WORKFLOW_BUNDLE_PATH;
let world: ApiWorld;
let auditor: Person;
let ops: Person;
let client: Person;
let deposit: { id: string; workflowId: string; reference: string };

beforeAll(async () => {
  process.env.WORKFLOW_BUNDLE_PATH = inject('workflowBundlePath');
  process.env.DEPOSIT_POLICY_JSON = JSON.stringify(TEST_DEPOSIT_POLICY);
  const temporal = await startTestWorker();
  const app = await startTestApp({ apiRateLimitPerMinute: 0, mountWeb });
  world = {
    app,
    temporal,
    deps: resolveDeps({ pool: app.pool }),
    async person(role) {
      const user = await app.createUser(role);
      const { accessToken } = await app.login(user);
      return { ...user, token: accessToken };
    },
    as(person, path, init = {}) {
      return app.api(`/api/v1${path}`, { ...init, token: person?.token });
    },
    async stop() {
      await app.close();
      await temporal.stop();
      await closeTemporalClient();
      await closeLifecycleNotifications();
      await closePool();
    },
  };
  [auditor, ops, client] = await Promise.all([
    world.person('auditor'),
    world.person('operations'),
    world.person('client'),
  ]);
  deposit = await announced(world, client, { amount: '321.00', currency: 'EUR' });
  const confirmed = await post(world, ops, `/ops/deposits/${deposit.id}/confirm`, {
    receivedAmount: '321.00',
    senderCountry: 'DE',
    senderReference: deposit.reference,
  });
  expect(confirmed.status, confirmed.text).toBe(200);
  await waitForDeposit(world, client, deposit.id, (d) => d.status === 'CLEARED');
  const deadline = Date.now() + 30_000;
  for (;;) {
    const { rowCount } = await app.pool.query(
      'SELECT 1 FROM workflow_history_archive WHERE workflow_id = $1',
      [deposit.workflowId],
    );
    if (rowCount) break;
    if (Date.now() > deadline) throw new Error('the deposit was not archived');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
});

afterAll(async () => {
  if (previousBundle === undefined) delete process.env.WORKFLOW_BUNDLE_PATH;
  else process.env.WORKFLOW_BUNDLE_PATH = previousBundle;
  await world?.stop();
  await closeArchiveTemporalClient();
});

/** A page as `person` sees it (their session cookie, as the login page would have set it). */
async function page(person: Person, path: string, init: RequestInit = {}) {
  const headers = new Headers(init.headers);
  headers.set('cookie', `${SESSION_COOKIE}=${person.token}`);
  const response = await fetch(`${world.app.url}${path}`, { ...init, headers, redirect: 'manual' });
  return { status: response.status, location: response.headers.get('location'), html: await response.text() };
}

/** The page's visible text, roughly: tags dropped, entities decoded. */
function text(html: string): string {
  return html
    .replace(/<script[\s\S]*?<\/script>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#x27;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&gt;/g, '>')
    .replace(/&lt;/g, '<')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}

describe.skipIf(!webBuildExists())('audit workflow pages', () => {
  it('the search page finds the lifecycle and says where each filter is answered', async () => {
    const answer = await page(auditor, `/audit/workflows?businessId=${deposit.id}`);
    expect(answer.status).toBe(200);
    expect(answer.html).toContain(`href="/audit/workflows/${deposit.workflowId}"`);
    const shown = text(answer.html);
    expect(shown).toContain('CLEARED');
    expect(shown).toContain('Execution status (Temporal)');
    expect(shown).toContain('lifecycle records in PostgreSQL');

    const wrong = await page(auditor, '/audit/workflows?clientId=not-a-uuid');
    expect(wrong.status).toBe(200);
    expect(text(wrong.html)).toMatch(/clientId: /);
  });

  it('people who are not auditors or admins are sent to their own area', async () => {
    const answer = await page(client, '/audit/workflows');
    expect(answer.status).toBe(302);
    expect(answer.location).not.toContain('/audit');
  });

  it('the lifecycle page shows the business timeline, the grouped history with people, and the ledger', async () => {
    const answer = await page(auditor, `/audit/workflows/${deposit.workflowId}`);
    expect(answer.status, answer.html.slice(0, 500)).toBe(200);
    const shown = text(answer.html);
    // Business timeline (lifecycle_event) with the acting people, by name (their email on hover).
    expect(shown).toContain('Business timeline');
    expect(shown).toContain('Test operations · operations');
    expect(answer.html).toContain(`title="${ops.email}"`);
    // Ids in recorded texts (the Update's arguments name its actor) are shown as the people they are.
    expect(shown).not.toContain(ops.id);
    // The Temporal history, grouped at each transition, activities, timers, the Update and its actor.
    for (const phase of ['start → PENDING', 'PENDING → ON_HOLD', 'ON_HOLD → CLEARED'])
      expect(shown).toContain(phase);
    expect(shown).toMatch(/Workflow deposit started — Deposit 321\.00 EUR/);
    expect(shown).toContain('Update confirm');
    // The posting runs with its transition, as a local activity (patched('deposit-posting-with-transition')).
    // (The amount is a <Money> element: the text above has a space after it.)
    expect(shown).toMatch(
      /Activity recordTransitionWithDepositPosting — PENDING → ON_HOLD \(deposit\.confirm 321\.00 EUR ?\) done/,
    );
    expect(shown).toMatch(/Timer [\d.]+ s — AML hold until/);
    expect(shown).toContain("Code version marker: patched('archive-history')");
    // Archived by the worker's sweeper, not by a child workflow (patched('archive-by-sweeper')).
    expect(shown).toContain("Code version marker: patched('archive-by-sweeper')");
    expect(shown).not.toContain('Child workflow archiveLifecycle');
    expect(shown).toContain('Workflow completed');
    expect(shown).toContain('attempts 1');
    // Raw JSON one click away, the export, and the archive's hash.
    expect(answer.html).toContain(`href="/api/v1/audit/workflows/${deposit.workflowId}/history"`);
    expect(answer.html).toContain(`href="/api/v1/audit/workflows/${deposit.workflowId}/export"`);
    expect(answer.html).toContain('<details>');
    expect(shown).toMatch(/sha256 [0-9a-f]{64} ✓ intact/);
    // Ledger entries with their lines and idempotency keys.
    expect(shown).toContain(`idempotency key ${deposit.workflowId}/confirm`);
    expect(shown).toContain(`idempotency key ${deposit.workflowId}/clear`);
    expect(shown).toContain(`client:${client.id}:EUR:available`);
  });

  it('Replay is a plain form POST and shows the outcome', async () => {
    const answer = await page(auditor, `/audit/workflows/${deposit.workflowId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ intent: 'replay' }).toString(),
    });
    expect(answer.status).toBe(200);
    expect(text(answer.html)).toMatch(
      /✓ Deterministic: \d+ events replayed against the current code \(history from archive\)/,
    );
  });

  it('an unknown workflow is a 404 page', async () => {
    const answer = await page(auditor, '/audit/workflows/deposit-00000000-0000-4000-8000-000000000000');
    expect(answer.status).toBe(404);
  });
});
