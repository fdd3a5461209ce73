// The auditor's workflow routes against the real stack (API, worker, Temporal dev server,
// PostgreSQL): who may call them, the search and which source answers each filter, the history in
// the CLI's format, replay, the archive written when a lifecycle closes (and used after Temporal
// has forgotten the workflow), and the export whose manifest hashes check out.
import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { WorkflowNotFoundError } from '@temporalio/client';
import { closeArchiveTemporalClient } from '../../activities/history-archive.js';
import { backfillHistoryArchive, replayHistoryJson } from '../../auditing/index.js';
import { historySha256 } from '../../db/history/index.js';
import { findTemporalCli } from '../../scripts/temporal-cli.js';
import { bundleDepositVariant } from '../replay/fixtures/deposit-variants.js';
import {
  announced,
  expectError,
  post,
  startApiWorld,
  waitForDeposit,
  type ApiWorld,
  type Person,
} from './helpers.js';

let world: ApiWorld;
let auditor: Person;
let admin: Person;
let client: Person;
let ops: Person;
let aml: Person;
const previousBundle = process.env.WORKFLOW_BUNDLE_PATH;

/** A deposit confirmed by operations and cleared by the hold timer (seconds in tests). */
let cleared: { id: string; workflowId: string; reference: string };

beforeAll(async () => {
  // The API replays against the same bundle the test worker runs (built once by the global setup).
  process.env.WORKFLOW_BUNDLE_PATH = inject('workflowBundlePath');
  world = await startApiWorld();
  [auditor, admin, client, ops, aml] = await Promise.all([
    world.person('auditor'),
    world.person('admin'),
    world.person('client'),
    world.person('operations'),
    world.person('aml_officer'),
  ]);
  cleared = await clearedDeposit(client);
});

afterAll(async () => {
  if (previousBundle === undefined) delete process.env.WORKFLOW_BUNDLE_PATH;
  else process.env.WORKFLOW_BUNDLE_PATH = previousBundle;
  await world?.stop();
  await closeArchiveTemporalClient();
});

async function clearedDeposit(owner: Person, amount = '1250.50') {
  const deposit = await announced(world, owner, { amount, currency: 'EUR' });
  const confirmed = await post(world, ops, `/ops/deposits/${deposit.id}/confirm`, {
    receivedAmount: amount,
    senderCountry: 'DE',
    senderReference: deposit.reference,
  });
  expect(confirmed.status, confirmed.text).toBe(200);
  const done = await waitForDeposit(world, owner, deposit.id, (d) => d.status === 'CLEARED');
  expect(done.status).toBe('CLEARED');
  await archived(deposit.workflowId);
  return deposit;
}

/** Polls `read` until it returns a value (not undefined), or fails after `timeoutMs`. */
async function until<T>(what: string, read: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Waits for the archiver (a child workflow the deposit starts as it closes) to store the history. */
function archived(workflowId: string): Promise<{ sha256: string; event_count: number; run_id: string }> {
  return until(`the archive of ${workflowId}`, async () => {
    const { rows } = await world.app.pool.query<{ sha256: string; event_count: number; run_id: string }>(
      'SELECT sha256, event_count, run_id FROM workflow_history_archive WHERE workflow_id = $1',
      [workflowId],
    );
    return rows[0];
  });
}

/** `temporal workflow show --output json` from the real CLI, against the tests' dev server. */
function cliShow(workflowId: string): Promise<string> {
  const cli = findTemporalCli();
  if (!cli) throw new Error('the Temporal CLI is not installed');
  return new Promise((resolve, reject) => {
    const child = spawn(
      cli,
      [
        'workflow',
        'show',
        '--workflow-id',
        workflowId,
        '--output',
        'json',
        '--address',
        inject('temporalAddress'),
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`temporal exited ${code}: ${err}`)),
    );
  });
}

/** `npm run replay -- ...` (scripts/replay.ts) with this test's TEMPORAL_ADDRESS, DATABASE_URL and bundle. */
function replayCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
  const script = fileURLToPath(new URL('../../scripts/replay.ts', import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(tsx, [script, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

describe('who may use the audit workflow routes', () => {
  it('auditors and admins; clients, operations and AML officers get 403; nobody signed in 401', async () => {
    const id = cleared.workflowId;
    const routes: [string, string][] = [
      ['GET', '/audit/workflows'],
      ['GET', `/audit/workflows/${id}/history`],
      ['POST', `/audit/workflows/${id}/replay`],
      ['GET', `/audit/workflows/${id}/export`],
    ];
    for (const [method, path] of routes) {
      for (const person of [client, ops, aml])
        expectError(await world.as(person, path, { method }), 403, 'forbidden');
      expectError(await world.as(null, path, { method }), 401, 'unauthenticated');
    }
    for (const person of [auditor, admin]) {
      expect((await world.as(person, '/audit/workflows')).status).toBe(200);
      expect((await world.as(person, `/audit/workflows/${id}/history`)).status).toBe(200);
    }
  });

  it('404 for a workflow nobody knows, 400 for a malformed id', async () => {
    expectError(
      await world.as(auditor, `/audit/workflows/deposit-${randomUUID()}/history`),
      404,
      'not_found',
    );
    expectError(
      await world.as(auditor, `/audit/workflows/${encodeURIComponent("x' OR 1=1")}/history`),
      400,
      'validation_failed',
    );
  });
});

describe('search', () => {
  const find = async (query: Record<string, string>) => {
    const answer = await world.as(auditor, `/audit/workflows?${new URLSearchParams(query)}`);
    expect(answer.status, answer.text).toBe(200);
    return answer.body as {
      items: { workflowId: string; [key: string]: unknown }[];
      nextCursor: string | null;
      sources: unknown;
    };
  };

  it('type, business status, business id, client and time range come from the lifecycle projection', async () => {
    const mine = await find({ type: 'deposit', clientId: client.id });
    expect(mine.sources).toEqual({ filters: 'projection', execution: 'temporal-visibility' });
    const item = mine.items.find((i) => i.workflowId === cleared.workflowId)!;
    expect(item).toMatchObject({
      type: 'deposit',
      businessId: cleared.id,
      clientId: client.id,
      status: 'CLEARED',
      transitions: 3,
      archive: { sha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
    });
    expect(Date.parse(item.startedAt as string)).toBeLessThanOrEqual(Date.parse(item.closedAt as string));

    const one = await find({ businessId: cleared.id });
    expect(one.items.map((i) => i.workflowId)).toEqual([cleared.workflowId]);
    expect((await find({ businessId: cleared.id, status: 'CLEARED' })).items).toHaveLength(1);
    expect((await find({ businessId: cleared.id, status: 'PENDING,ON_HOLD' })).items).toHaveLength(0);
    expect((await find({ businessId: cleared.id, type: 'withdrawal' })).items).toHaveLength(0);
    expect((await find({ businessId: cleared.id, clientId: randomUUID() })).items).toHaveLength(0);

    const startedAt = Date.parse(item.startedAt as string);
    const closedAt = Date.parse(item.closedAt as string);
    const iso = (ms: number) => new Date(ms).toISOString();
    expect(
      (await find({ businessId: cleared.id, from: iso(startedAt - 1000), to: iso(startedAt + 1000) })).items,
    ).toHaveLength(1);
    expect((await find({ businessId: cleared.id, from: iso(startedAt + 1) })).items).toHaveLength(0);
    expect((await find({ businessId: cleared.id, to: iso(startedAt) })).items).toHaveLength(0);
    expect(
      (
        await find({
          businessId: cleared.id,
          timeField: 'closedAt',
          from: iso(closedAt),
          to: iso(closedAt + 1),
        })
      ).items,
    ).toHaveLength(1);

    // Execution status as Temporal's visibility has it (eventually consistent).
    await expect
      .poll(async () => (await find({ businessId: cleared.id })).items[0]?.execution, { timeout: 10_000 })
      .toMatchObject({ status: 'Completed', workflowType: 'deposit' });
  });

  it('pages newest first with a cursor; a foreign cursor is 400', async () => {
    const owner = await world.person('client');
    const first = await announced(world, owner, { amount: '10.00', currency: 'EUR' });
    const second = await announced(world, owner, { amount: '20.00', currency: 'EUR' });
    const page1 = await find({ clientId: owner.id, limit: '1' });
    expect(page1.items.map((i) => i.businessId)).toEqual([second.id]);
    const page2 = await find({ clientId: owner.id, limit: '1', cursor: page1.nextCursor! });
    expect(page2.items.map((i) => i.businessId)).toEqual([first.id]);
    expect(page2.nextCursor).toBeNull();
    expectError(
      await world.as(auditor, '/audit/workflows?cursor=bm90LWEtY3Vyc29y'),
      400,
      'validation_failed',
    );
    expectError(
      await world.as(auditor, '/audit/workflows?executionStatus=Sleeping'),
      400,
      'validation_failed',
    );
    expectError(await world.as(auditor, '/audit/workflows?from=yesterday'), 400, 'validation_failed');
  });

  it('executionStatus is answered by Temporal visibility, narrowed by projection filters', async () => {
    const owner = await world.person('client');
    const pending = await announced(world, owner, { amount: '30.00', currency: 'EUR' });
    await expect
      .poll(
        async () =>
          (await find({ executionStatus: 'Running', type: 'deposit', clientId: owner.id })).items.map(
            (i) => i.workflowId,
          ),
        {
          timeout: 10_000,
        },
      )
      .toEqual([pending.workflowId]);
    const running = await find({ executionStatus: 'Running', businessId: pending.id });
    expect(running.sources).toEqual({ filters: 'temporal-visibility', execution: 'temporal-visibility' });
    expect(running.items[0]).toMatchObject({
      status: 'PENDING',
      execution: { status: 'Running' },
      archive: null,
    });
    expect((await find({ executionStatus: 'Completed', businessId: pending.id })).items).toEqual([]);
    expect(
      (await find({ executionStatus: 'Running', businessId: pending.id, status: 'CLEARED' })).items,
    ).toEqual([]);
    await expect
      .poll(
        async () =>
          (await find({ executionStatus: 'Completed', type: 'deposit', businessId: cleared.id })).items
            .length,
        {
          timeout: 10_000,
        },
      )
      .toBe(1);
  });
});

describe('history', () => {
  it('is the JSON `temporal workflow show --output json` prints, and either feeds the replayer', async () => {
    const answer = await world.as(auditor, `/audit/workflows/${cleared.workflowId}/history`);
    expect(answer.status, answer.text).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    expect(answer.headers.get('x-history-source')).toBe('archive');

    const cliText = await cliShow(cleared.workflowId);
    const cli = JSON.parse(cliText);
    // Same document, same formatting (2-space indent, field order) — only protobuf map entries may
    // come in another order, as they do between two runs of the CLI itself.
    expect(answer.body).toEqual(cli);
    expect(answer.text.split('\n').length).toBe(cliText.trimEnd().split('\n').length);
    expect(Object.keys(answer.body.events[0])).toEqual(Object.keys(cli.events[0]));
    expect(answer.body.events[0]).toMatchObject({
      eventId: '1',
      eventType: 'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED',
      workflowExecutionStartedEventAttributes: { workflowType: { name: 'deposit' } },
    });
    expect(answer.body.events.at(-1).eventType).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED');

    // The archive's sha256 is the canonical hash of this document, whichever copy it is taken from.
    const row = await archived(cleared.workflowId);
    expect(answer.headers.get('x-history-sha256')).toBe(row.sha256);
    expect(historySha256(cli)).toBe(row.sha256);
    expect(row.event_count).toBe(cli.events.length);

    // The CLI's output replays as it is.
    expect(await replayHistoryJson(cli, { workflowId: cleared.workflowId })).toEqual({
      deterministic: true,
      events: cli.events.length,
    });
  });

  it('comes from Temporal while the workflow runs, and is not archived yet', async () => {
    const pending = await announced(world, client, { amount: '40.00', currency: 'EUR' });
    const answer = await world.as(admin, `/audit/workflows/${pending.workflowId}/history`);
    expect(answer.status, answer.text).toBe(200);
    expect(answer.headers.get('x-history-source')).toBe('temporal');
    expect(answer.body.events.at(-1).eventType).not.toBe('EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED');
    const { rows } = await world.app.pool.query(
      'SELECT 1 FROM workflow_history_archive WHERE workflow_id = $1',
      [pending.workflowId],
    );
    expect(rows).toEqual([]);
    await post(world, client, `/deposits/${pending.id}/cancel`);
  });

  it('a closed workflow without the archiver step is archived by the backfill', async () => {
    const workflowId = `ping-${randomUUID()}`;
    await world.temporal.client.workflow.execute('ping', {
      taskQueue: world.temporal.taskQueue,
      workflowId,
      args: ['audit'],
    });
    const first = await world.as(auditor, `/audit/workflows/${workflowId}/history`);
    expect(first.status, first.text).toBe(200);
    expect(first.headers.get('x-history-source')).toBe('temporal');
    // Reading wrote nothing; the backfill (the worker runs it at start-up) archives the closed run.
    // Visibility is eventually consistent: the run is listed as closed moments after it closes.
    await until('the backfill of the ping', async () => {
      const report = await backfillHistoryArchive(world.deps, {
        limit: 100,
        taskQueue: world.temporal.taskQueue,
      });
      const { rowCount } = await world.app.pool.query(
        'SELECT 1 FROM workflow_history_archive WHERE workflow_id = $1',
        [workflowId],
      );
      return rowCount ? report : undefined;
    });
    const second = await world.as(auditor, `/audit/workflows/${workflowId}/history`);
    expect(second.headers.get('x-history-source')).toBe('archive');
    expect(second.body).toEqual(first.body);
    expect(second.headers.get('x-history-sha256')).toBe(first.headers.get('x-history-sha256'));
  });
});

describe('replay', () => {
  it('replays the history against the code the worker runs: deterministic', async () => {
    const answer = await world.as(auditor, `/audit/workflows/${cleared.workflowId}/replay`, {
      method: 'POST',
    });
    expect(answer.status, answer.text).toBe(200);
    const row = await archived(cleared.workflowId);
    expect(answer.body).toMatchObject({
      workflowId: cleared.workflowId,
      workflowType: 'deposit',
      runId: row.run_id,
      source: 'archive',
      deterministic: true,
      events: row.event_count,
    });
    expect(answer.body.error).toBeUndefined();
  });

  it('shows the exact divergence when the code has changed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clearhouse-audit-'));
    try {
      const code = await bundleDepositVariant('changed');
      const path = join(dir, 'changed.js');
      writeFileSync(path, code);
      process.env.WORKFLOW_BUNDLE_PATH = path;
      const answer = await world.as(admin, `/audit/workflows/${cleared.workflowId}/replay`, {
        method: 'POST',
      });
      expect(answer.status, answer.text).toBe(200);
      expect(answer.body).toMatchObject({
        deterministic: false,
        errorKind: 'nondeterminism',
        divergence: { eventId: expect.any(Number), eventType: 'EVENT_TYPE_TIMER_STARTED' },
      });
      expect(answer.body.error).toMatch(/Nondeterminism error: .*HistoryEvent\(id: \d+, TimerStarted\)/);
    } finally {
      process.env.WORKFLOW_BUNDLE_PATH = inject('workflowBundlePath');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('npm run replay', () => {
  it('replays by workflow id (also a running one) and by type and time from Temporal visibility', async () => {
    const pending = await announced(world, client, { amount: '55.00', currency: 'EUR' });
    const byId = await replayCli(['--workflow-id', cleared.workflowId, '--workflow-id', pending.workflowId]);
    expect(byId.code, byId.stdout + byId.stderr).toBe(0);
    expect(byId.stdout).toMatch(
      new RegExp(`ok +${cleared.workflowId} \\(deposit, \\d+ events, from temporal\\)`),
    );
    expect(byId.stdout).toContain(`ok    ${pending.workflowId}`);
    expect(byId.stdout).toContain('2 replayed, 2 deterministic, 0 not');

    // A narrow window around the cleared deposit's start (other test files share the server).
    const { rows } = await world.app.pool.query<{ created_at: Date }>(
      'SELECT created_at FROM lifecycle WHERE workflow_id = $1',
      [cleared.workflowId],
    );
    const startedAt = rows[0]!.created_at.getTime();
    const since = new Date(startedAt - 2_000).toISOString();
    const before = new Date(startedAt + 2_000).toISOString();
    const byType = await replayCli(['--type', 'deposit', '--since', since, '--until', before]);
    expect(byType.code, byType.stdout + byType.stderr).toBe(0);
    expect(byType.stdout).toContain(cleared.workflowId);
    expect(byType.stdout).not.toContain(pending.workflowId); // still running: not without --include-running
    expect(byType.stdout).toMatch(/\d+ replayed, \d+ deterministic, 0 not/);

    const unknown = await replayCli(['--workflow-id', `deposit-${randomUUID()}`]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no history for deposit-.* in Temporal or in the archive/);
    const usage = await replayCli(['--type', 'deposit']);
    expect(usage.code).toBe(2);
    await post(world, client, `/deposits/${pending.id}/cancel`);
  });
});

describe('export', () => {
  it('one download with the history, ledger entries, timeline and audit log, and a manifest whose hashes verify', async () => {
    const answer = await world.as(auditor, `/audit/workflows/${cleared.workflowId}/export`);
    expect(answer.status, answer.text).toBe(200);
    expect(answer.headers.get('content-disposition')).toBe(
      `attachment; filename="${cleared.workflowId}.audit-export.json"`,
    );
    const { format, manifest, files } = answer.body as {
      format: string;
      manifest: {
        workflowId: string;
        exportedBy: { id: string };
        historySource: string;
        archive: { sha256: string; intact: boolean };
        algorithm: string;
        files: { name: string; sha256: string; bytes: number }[];
      };
      files: Record<string, string>;
    };
    expect(format).toBe('clearhouse.lifecycle-export.v1');
    expect(manifest).toMatchObject({
      workflowId: cleared.workflowId,
      exportedBy: { id: auditor.id },
      algorithm: 'sha256',
    });
    expect(manifest.files.map((f) => f.name).sort()).toEqual(Object.keys(files).sort());
    expect(Object.keys(files).sort()).toEqual([
      'audit-log.json',
      'history.json',
      'ledger-entries.json',
      'lifecycle.json',
    ]);
    for (const file of manifest.files) {
      expect(sha256(files[file.name]!), file.name).toBe(file.sha256);
      expect(Buffer.byteLength(files[file.name]!, 'utf8')).toBe(file.bytes);
    }

    const history = JSON.parse(files['history.json']!);
    const row = await archived(cleared.workflowId);
    expect(manifest.archive).toMatchObject({ sha256: row.sha256, intact: true });
    expect(historySha256(history)).toBe(row.sha256);
    expect((await replayHistoryJson(history)).deterministic).toBe(true);

    const entries = JSON.parse(files['ledger-entries.json']!) as {
      kind: string;
      idempotencyKey: string;
      lines: unknown[];
    }[];
    expect(entries.map((e) => [e.kind, e.idempotencyKey])).toEqual([
      ['deposit.confirm', `${cleared.workflowId}/confirm`],
      ['deposit.clear', `${cleared.workflowId}/clear`],
    ]);
    for (const entry of entries) expect(entry.lines.length).toBeGreaterThan(0);

    const lifecycle = JSON.parse(files['lifecycle.json']!);
    expect(lifecycle.timeline.map((e: { to: string }) => e.to)).toEqual(['PENDING', 'ON_HOLD', 'CLEARED']);

    const audit = JSON.parse(files['audit-log.json']!) as {
      action: string;
      actor: { id: string } | null;
      hash: string;
    }[];
    expect(audit.find((row) => row.action === 'deposit.confirm')).toMatchObject({ actor: { id: ops.id } });
    for (const row of audit) expect(row.hash).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('after Temporal has forgotten the workflow', () => {
  it('history, replay, export and search still work from the archive', async () => {
    const deposit = await clearedDeposit(client, '77.00');
    const row = await archived(deposit.workflowId);
    const temporal = world.temporal.client;
    await temporal.workflowService.deleteWorkflowExecution({
      namespace: temporal.options.namespace,
      workflowExecution: { workflowId: deposit.workflowId, runId: row.run_id },
    });
    // Deletion is asynchronous on the server (the first one of a dev server takes ~30 s).
    await expect
      .poll(
        () =>
          temporal.workflow
            .getHandle(deposit.workflowId)
            .describe()
            .then(
              () => 'still there',
              (error: unknown) => (error instanceof WorkflowNotFoundError ? 'gone' : String(error)),
            ),
        { timeout: 90_000, interval: 500 },
      )
      .toBe('gone');

    const history = await world.as(auditor, `/audit/workflows/${deposit.workflowId}/history`);
    expect(history.status, history.text).toBe(200);
    expect(history.headers.get('x-history-source')).toBe('archive');
    expect(historySha256(history.body)).toBe(row.sha256);
    expect(history.body.events).toHaveLength(row.event_count);

    const replay = await world.as(auditor, `/audit/workflows/${deposit.workflowId}/replay`, {
      method: 'POST',
    });
    expect(replay.body).toMatchObject({ source: 'archive', deterministic: true, events: row.event_count });

    const exported = await world.as(admin, `/audit/workflows/${deposit.workflowId}/export`);
    expect(exported.status, exported.text).toBe(200);
    expect(exported.body.manifest).toMatchObject({
      historySource: 'archive',
      archive: { sha256: row.sha256, intact: true },
    });

    const cli = await replayCli(['--workflow-id', deposit.workflowId]);
    expect(cli.code, cli.stdout + cli.stderr).toBe(0);
    expect(cli.stdout).toContain(
      `ok    ${deposit.workflowId} (deposit, ${row.event_count} events, from archive)`,
    );

    const found = await world.as(auditor, `/audit/workflows?businessId=${deposit.id}`);
    expect(found.body.items).toHaveLength(1);
    expect(found.body.items[0]).toMatchObject({ status: 'CLEARED', archive: { sha256: row.sha256 } });
  }, 180_000);
});
