// The SSE fan-out (found by npm run bench:load's reading of the streams): a LISTEN connection that
// breaks is connected again and the followed keys reload, instead of every open stream going silent;
// a client that leaves while its subscription is still being made is not followed forever.
import { EventEmitter } from 'node:events';
import type { Request, Response } from 'express';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { listenForMarketNotifications } from '../db/trading/index.js';
import { fanoutSubscribers, holdStreamOpen, NotificationFanout, type Listen } from './notification-fanout.js';

let admin: pg.Client;

beforeAll(async () => {
  admin = new pg.Client({ connectionString: inject('databaseUrl') });
  await admin.connect();
});

afterAll(async () => {
  await admin.end();
});

/** Waits until `check` holds (polling), or fails after `ms`. */
async function eventually(check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('NotificationFanout on a real LISTEN connection', () => {
  it('connects again after the connection was terminated, tells the followed keys, and hears new notifications', async () => {
    const symbol = `FAN${Date.now()}`;
    // Its own application_name, so only this connection is cut (other files listen in the same database).
    const url = new URL(inject('databaseUrl'));
    url.searchParams.set('application_name', `fanout-test-${process.pid}`);
    const fanout = new NotificationFanout('market-test', (handlers) =>
      listenForMarketNotifications(url.toString(), handlers),
    );
    try {
      let changes = 0;
      const unsubscribe = await fanout.subscribe(symbol, () => (changes += 1));
      await admin.query(`SELECT pg_notify('market', $1)`, [symbol]);
      await eventually(() => changes === 1);

      const listening = async () =>
        (
          await admin.query<{ pid: number }>(
            `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1`,
            [`fanout-test-${process.pid}`],
          )
        ).rows.map((r) => r.pid);
      const before = await listening();
      expect(before).toHaveLength(1);
      await admin.query(`SELECT pg_terminate_backend($1)`, [before[0]]);

      // Back, and the stream was told to reload (a notification in the gap would have been lost).
      await eventually(() => changes === 2);
      await admin.query(`SELECT pg_notify('market', $1)`, [symbol]);
      await eventually(() => changes === 3);
      // One connection again, a new one (the broken one was released).
      const after = await listening();
      expect(after).toHaveLength(1);
      expect(after[0]).not.toBe(before[0]);

      unsubscribe();
      unsubscribe(); // twice is harmless
      expect(fanout.subscribers).toBe(0);
    } finally {
      await fanout.close();
    }
  });
});

describe('NotificationFanout and holdStreamOpen', () => {
  /** A Listen whose connection the test opens (resolve) and breaks (fail) by hand. */
  function manualListen() {
    const connections: { handlers: Parameters<Listen>[0]; closed: boolean }[] = [];
    let open: (() => void) | undefined;
    const listen: Listen = (handlers) =>
      new Promise((resolve) => {
        const connection = { handlers, closed: false };
        connections.push(connection);
        open = () =>
          resolve({
            close: async () => {
              connection.closed = true;
            },
          });
      });
    return { listen, connections, open: () => open?.() };
  }

  function fakeStream() {
    const req = new EventEmitter() as unknown as Request;
    const written: string[] = [];
    const res = { write: (chunk: string) => written.push(chunk) } as unknown as Response;
    return { req, res, written };
  }

  it('drops a client that left while the LISTEN connection was still being made', async () => {
    const manual = manualListen();
    const fanout = new NotificationFanout('leave-early', manual.listen);
    const { req, res } = fakeStream();
    let closed = false;
    const opening = holdStreamOpen(
      req,
      res,
      () => fanout.subscribe('k', () => undefined),
      () => (closed = true),
    );
    req.emit('close'); // the client went away before the subscription was made
    manual.open();
    expect(await opening).toBe(false);
    expect(closed).toBe(true);
    expect(fanout.subscribers).toBe(0);
    expect(fanoutSubscribers()).toContainEqual({ name: 'leave-early', subscribers: 0 });
    await fanout.close();
    expect(fanoutSubscribers().map((f) => f.name)).not.toContain('leave-early');
  });

  it('sends keep-alives while open and stops them and the subscription when the client leaves', async () => {
    vi.useFakeTimers();
    try {
      const manual = manualListen();
      const fanout = new NotificationFanout('keep-alive', manual.listen);
      const { req, res, written } = fakeStream();
      const opening = holdStreamOpen(
        req,
        res,
        () => fanout.subscribe('k', () => undefined),
        () => undefined,
        1000,
      );
      manual.open();
      expect(await opening).toBe(true);
      expect(fanout.subscribers).toBe(1);
      await vi.advanceTimersByTimeAsync(2500);
      expect(written).toEqual([': keep-alive\n\n', ': keep-alive\n\n']);
      req.emit('close');
      await vi.advanceTimersByTimeAsync(5000);
      expect(written).toHaveLength(2);
      expect(fanout.subscribers).toBe(0);
      await fanout.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it('does not reconnect for nobody, and a later subscriber connects anew', async () => {
    const manual = manualListen();
    const fanout = new NotificationFanout('idle', manual.listen);
    const subscribing = fanout.subscribe('k', () => undefined);
    manual.open();
    (await subscribing)();
    manual.connections[0]!.handlers.onError(new Error('cut'));
    expect(manual.connections[0]!.closed).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(manual.connections).toHaveLength(1);
    const again = fanout.subscribe('k', () => undefined);
    manual.open();
    await again;
    expect(manual.connections).toHaveLength(2);
    await fanout.close();
    expect(manual.connections[1]!.closed).toBe(true);
  });
});
