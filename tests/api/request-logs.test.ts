// Structured logs follow one deposit end to end: the API's request line carries the request id, the
// user id and the workflow id it started; the workflow's activity lines carry that workflow id (the
// join key), with the activity, its attempt and its time. Real server, real worker, Temporal.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { activityLogger } from '../../activities/activity-log.js';
import { logger } from '../../api/logger.js';
import { startApiWorld, type ApiWorld, type Person } from './helpers.js';

type Line = Record<string, unknown>;
const apiLines: Line[] = [];
const activityLines: Line[] = [];

/** A stand-in for a pino child: records what it is asked to log, with its bindings. */
function recorder(bindings: Line): unknown {
  const write = (level: string) => (fields: unknown, msg?: string) => {
    apiLines.push({ level, ...bindings, ...(typeof fields === 'object' ? fields : { msg: fields }), msg });
  };
  return {
    level: 'info',
    child: (more: Line) => recorder({ ...bindings, ...more }),
    isLevelEnabled: () => true,
    trace: write('trace'),
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    fatal: write('fatal'),
  };
}

let w: ApiWorld;
let client: Person;

beforeAll(async () => {
  vi.spyOn(logger, 'child').mockImplementation(((bindings: Line) => recorder(bindings)) as never);
  for (const level of ['info', 'warn'] as const)
    vi.spyOn(activityLogger, level).mockImplementation(((fields: Line, msg: string) => {
      activityLines.push({ level, ...fields, msg });
    }) as never);
  w = await startApiWorld();
  client = await w.person('client');
});

afterAll(async () => {
  await w?.stop();
  vi.restoreAllMocks();
});

describe('structured logs of one deposit', () => {
  it('carry the request id, the user id and the workflow id from the API line to the activity lines', async () => {
    const requestId = `logs-${randomUUID()}`;
    const created = await w.as(client, '/deposits', {
      method: 'POST',
      json: { amount: '10.00', currency: 'EUR' },
      idempotencyKey: `key-${randomUUID()}`,
      headers: { 'x-request-id': requestId },
    });
    expect(created.status, created.text).toBe(201);
    const workflowId: string = created.body.workflowId;

    const requestLine = apiLines.find((l) => l.msg === 'request completed' && l.reqId === requestId);
    expect(requestLine).toMatchObject({
      level: 'info',
      reqId: requestId,
      userId: client.id,
      workflowId,
      method: 'POST',
      path: '/api/v1/deposits',
      status: 201,
    });

    // The deposit recorded its first transition before the API answered: that activity has logged.
    const steps = activityLines.filter((l) => l.workflowId === workflowId);
    expect(steps.length).toBeGreaterThan(0);
    expect(steps[0]).toMatchObject({
      msg: 'activity completed',
      workflowId,
      workflowType: expect.any(String),
      activity: expect.any(String),
      attempt: expect.any(Number),
      ms: expect.any(Number),
    });
    expect(steps.map((l) => l.activity)).toContain('recordTransition');
  });
});
