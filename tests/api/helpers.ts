// Shared set-up for the API tests: the real app and a real worker on this file's task queue, people of
// every role signed in, and small helpers for deposits, SSE and the books.
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import {
  startTestApp,
  type ApiAnswer,
  type ApiInit,
  type TestApp,
  type TestUser,
} from '../../api/testing.js';
import { closeTemporalClient } from '../../api/temporal-client.js';
import { closeLifecycleNotifications } from '../../api/live-updates.js';
import { resolveDeps, type AppDeps } from '../../api/deps.js';
import { closePool } from '../../db/pool.js';
import type { Role } from '../../domain/roles.js';
import { startTestWorker, type TestTemporal } from '../support/temporal.js';

/** Seconds instead of days. Read by the API on every announcement (api/services/deposits.ts). */
export const TEST_DEPOSIT_POLICY = {
  announcementWindowMs: 120_000,
  shortHoldMs: 1_500,
  longHoldMs: 120_000,
  amlReviewDueMs: 60_000,
};

export interface Person extends TestUser {
  token: string;
}

export interface ApiWorld {
  app: TestApp;
  temporal: TestTemporal;
  deps: AppDeps;
  person(role: Role): Promise<Person>;
  /** `app.api` with `/api/v1` in front and the person's token. */
  as(person: Person | null, path: string, init?: ApiInit): Promise<ApiAnswer>;
  stop(): Promise<void>;
}

export async function startApiWorld(): Promise<ApiWorld> {
  process.env.DEPOSIT_POLICY_JSON = JSON.stringify(TEST_DEPOSIT_POLICY);
  const temporal = await startTestWorker();
  const app = await startTestApp({ apiRateLimitPerMinute: 0 });
  const deps = resolveDeps({ pool: app.pool });
  return {
    app,
    temporal,
    deps,
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
}

export function announce(
  world: ApiWorld,
  client: Person,
  body: unknown = { amount: '1250.50', currency: 'EUR' },
  key: string = randomUUID(),
): Promise<ApiAnswer> {
  return world.as(client, '/deposits', { method: 'POST', json: body, idempotencyKey: key });
}

/** Announces and expects 201; returns the deposit. */
export async function announced(
  world: ApiWorld,
  client: Person,
  body: unknown = { amount: '1250.50', currency: 'EUR' },
): Promise<{ id: string; workflowId: string; reference: string; [key: string]: unknown }> {
  const answer = await announce(world, client, body);
  expect(answer.status, answer.text).toBe(201);
  return answer.body;
}

export function post(
  world: ApiWorld,
  person: Person | null,
  path: string,
  json: unknown = {},
  requestId?: string,
) {
  return world.as(person, path, {
    method: 'POST',
    json,
    headers: requestId ? { 'x-request-id': requestId } : undefined,
  });
}

/** A contract error answer: status, code, and the { error: { code, message, details } } shape. */
export function expectError(answer: ApiAnswer, status: number, code: string): void {
  expect(answer.status, answer.text).toBe(status);
  expect(Object.keys(answer.body)).toEqual(['error']);
  expect(Object.keys(answer.body.error).sort()).toEqual(['code', 'details', 'message']);
  expect(answer.body.error.code).toBe(code);
  expect(typeof answer.body.error.message).toBe('string');
  expect(answer.body.error.message.length).toBeGreaterThan(0);
}

/** The books after a scenario: every asset balanced, every account equal to its lines. */
export async function expectBooksBalanced(world: ApiWorld, reader: Person): Promise<void> {
  const trial = await world.as(reader, '/ledger/trial-balance');
  expect(trial.status, trial.text).toBe(200);
  expect(trial.body.balanced).toBe(true);
  expect(trial.body.accountsMatchLines).toBe(true);
  for (const row of trial.body.assets) expect(row.debits).toBe(row.credits);
}

export const transitions = (deposit: { timeline: { from: string | null; to: string }[] }) =>
  deposit.timeline.map((e) => `${e.from ?? '∅'}→${e.to}`);

/** Polls GET /deposits/:id until `done` holds (the workflow moves on by itself: timers). */
export async function waitForDeposit(
  world: ApiWorld,
  reader: Person,
  id: string,
  done: (deposit: { status: string }) => boolean,
  timeoutMs = 20_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await world.as(reader, `/deposits/${id}`);
    expect(answer.status).toBe(200);
    if (done(answer.body) || Date.now() > deadline) return answer.body;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Reads Server-Sent Events from `path`; `next()` resolves with the next event's parsed data. */
export async function openEvents(world: ApiWorld, person: Person, path: string) {
  const controller = new AbortController();
  const response = await fetch(`${world.app.url}/api/v1${path}`, {
    headers: { authorization: `Bearer ${person.token}`, accept: 'text/event-stream' },
    signal: controller.signal,
  });
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  return {
    response,
    async next(timeoutMs = 10_000): Promise<{ event: string; data: unknown }> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const lines = block.split('\n');
          if (lines.every((line) => line.startsWith(':'))) continue; // keep-alive comment
          const event = lines.find((l) => l.startsWith('event: '))?.slice(7) ?? 'message';
          const data = lines.find((l) => l.startsWith('data: '))?.slice(6) ?? 'null';
          return { event, data: JSON.parse(data) };
        }
        if (Date.now() > deadline) throw new Error('no server-sent event in time');
        const chunk = await reader.read();
        if (chunk.done) throw new Error('the event stream ended');
        buffer += decoder.decode(chunk.value, { stream: true });
      }
    },
    close() {
      controller.abort();
    },
  };
}

/**
 * A closed workflow of `type` in the auditor area: found by the search and archived (polled, the
 * archiver runs on close), its history read, replayed deterministically and exported.
 */
export async function expectInAuditorArea(
  world: ApiWorld,
  auditor: Person,
  type: string,
  workflowId: string,
): Promise<void> {
  const deadline = Date.now() + 30_000;
  let item: { workflowId: string; type: string; archive: unknown } | undefined;
  for (;;) {
    const found = await world.as(auditor, `/audit/workflows?type=${type}&limit=200`);
    expect(found.status, found.text).toBe(200);
    item = found.body.items.find((i: { workflowId: string }) => i.workflowId === workflowId);
    if ((item && item.archive) || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  expect(item, `${type} ${workflowId}`).toMatchObject({ workflowId, type });
  expect(item!.archive, `${workflowId} archived on close`).toBeTruthy();
  const history = await world.as(auditor, `/audit/workflows/${workflowId}/history`);
  expect(history.status, history.text).toBe(200);
  expect(history.body.events.length).toBeGreaterThan(5);
  const replay = await world.as(auditor, `/audit/workflows/${workflowId}/replay`, { method: 'POST' });
  expect(replay.status, replay.text).toBe(200);
  expect(replay.body).toMatchObject({ workflowId, deterministic: true });
  const exported = await world.as(auditor, `/audit/workflows/${workflowId}/export`);
  expect(exported.status, exported.text).toBe(200);
  expect(exported.headers.get('content-disposition')).toMatch(/attachment/);
}
