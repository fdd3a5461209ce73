// The fuzz suite's short run (issue 16): every operation of /api/v1/openapi.json, as every role and
// as nobody, with generated valid and broken requests (scripts/fuzz). No 5xx, every error in the
// contract's shape, and no 4xx that changes state. `npm run fuzz` is the same, longer, on a stack of
// its own.
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';

// "No 4xx changes anything" compares row counts of the whole database: this file has a database of
// its own, so other test files running beside it change nothing it counts.
vi.hoisted(() => {
  process.env.DATABASE_URL = `${process.env.DATABASE_URL}_fuzz`;
});

import { dropAndCreateDatabase, migrate } from '../../db/migrate.js';
import { closeArchiveTemporalClient } from '../../activities/history-archive.js';
import { closeLifecycleNotifications } from '../../api/live-updates.js';
import { closeTemporalClient } from '../../api/temporal-client.js';
import { startTestApp, type TestApp } from '../../api/testing.js';
import { closePool } from '../../db/pool.js';
import type { Role } from '../../domain/roles.js';
import { formatFuzzReport, runFuzz } from '../../scripts/fuzz/run.js';
import { startTestWorker, type TestTemporal } from '../support/temporal.js';

const ROLES: Role[] = ['client', 'operations', 'aml_officer', 'auditor', 'admin'];
const previousBundle = process.env.WORKFLOW_BUNDLE_PATH;
let app: TestApp;
let temporal: TestTemporal;

beforeAll(async () => {
  expect(process.env.DATABASE_URL).toMatch(/_fuzz$/);
  await dropAndCreateDatabase(process.env.DATABASE_URL!);
  await migrate(process.env.DATABASE_URL!);
  process.env.WORKFLOW_BUNDLE_PATH = inject('workflowBundlePath');
  temporal = await startTestWorker();
  app = await startTestApp({ apiRateLimitPerMinute: 0 });
});

afterAll(async () => {
  if (previousBundle === undefined) delete process.env.WORKFLOW_BUNDLE_PATH;
  else process.env.WORKFLOW_BUNDLE_PATH = previousBundle;
  await app?.close();
  await temporal?.stop();
  await closeTemporalClient();
  await closeLifecycleNotifications();
  await closePool();
  await closeArchiveTemporalClient();
});

describe('fuzzing every operation of the OpenAPI document', () => {
  it('answers below 500, in the error shape, and changes nothing on a 4xx', async () => {
    const users = await Promise.all(ROLES.map((role) => app.createUser(role)));
    const report = await runFuzz({
      baseUrl: app.url,
      pool: app.pool,
      seed: 16,
      casesPerOperation: 1,
      deadline: Date.now() + 45_000,
      async signIn() {
        const tokens: Record<string, string | null> = { anonymous: null };
        for (const [i, role] of ROLES.entries()) tokens[role] = (await app.login(users[i]!)).accessToken;
        return tokens;
      },
    });
    const text = formatFuzzReport(report);
    console.log(text);
    // The run reached the whole document (a walk that found nothing would pass vacuously).
    expect(report.operations, text).toBeGreaterThanOrEqual(60);
    expect(report.requests, text).toBeGreaterThanOrEqual(report.operations * 3);
    expect(report.violations, text).toEqual([]);
  }, 240_000);
});
