// The first workflow through every layer: HTTP → server → Temporal client → dev server → worker →
// activity → PostgreSQL, and back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../api/testing.js';
import { closeTemporalClient } from '../../api/temporal-client.js';
import { startTestWorker, type TestTemporal } from '../support/temporal.js';

describe('POST /api/v1/system/ping', () => {
  let app: TestApp;
  let temporal: TestTemporal;

  beforeAll(async () => {
    temporal = await startTestWorker();
    app = await startTestApp();
  });
  afterAll(async () => {
    await app?.close();
    await temporal?.stop();
    await closeTemporalClient();
  });

  it('runs the ping workflow on the worker and returns the database clock', async () => {
    const admin = await app.createUser('admin');
    const { accessToken } = await app.login(admin);
    const answer = await app.api('/api/v1/system/ping', { method: 'POST', token: accessToken });
    expect(answer.status).toBe(200);
    expect(answer.body.echo).toBe('ping');
    expect(answer.body.workflowId).toMatch(/^ping-/);
    expect(Number.isNaN(Date.parse(answer.body.databaseTime))).toBe(false);

    const described = await temporal.client.workflow.getHandle(answer.body.workflowId).describe();
    expect(described.status.name).toBe('COMPLETED');
    expect(described.taskQueue).toBe(temporal.taskQueue);
  });

  it('refuses clients', async () => {
    const client = await app.createUser('client');
    const { accessToken } = await app.login(client);
    const answer = await app.api('/api/v1/system/ping', { method: 'POST', token: accessToken });
    expect(answer.status).toBe(403);
    expect(answer.body.error.code).toBe('forbidden');
  });
});
