import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestWorker, type TestTemporal } from '../tests/support/temporal.js';
import { closePool } from '../db/pool.js';
import { ping } from './ping.js';

describe('ping workflow on the real dev server', () => {
  let t: TestTemporal;
  beforeAll(async () => {
    t = await startTestWorker();
  });
  afterAll(async () => {
    await t?.stop();
    await closePool();
  });

  it('runs the activity against PostgreSQL and returns its answer', async () => {
    const result = await t.client.workflow.execute(ping, {
      taskQueue: t.taskQueue,
      workflowId: `ping-${Date.now()}`,
      args: ['hello'],
    });
    expect(result.echo).toBe('hello');
    expect(Date.parse(result.databaseTime)).toBeGreaterThan(Date.parse('2020-01-01'));
  });

  it('fails the workflow when the activity keeps failing', async () => {
    await expect(
      t.client.workflow.execute(ping, {
        taskQueue: t.taskQueue,
        workflowId: `ping-fail-${Date.now()}`,
        args: ['x'.repeat(201)],
        workflowExecutionTimeout: '30 seconds',
      }),
    ).rejects.toThrow();
  });
});
