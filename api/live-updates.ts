// Live updates for timelines: one LISTEN connection per server process (db/lifecycle/notifications.ts)
// fans PostgreSQL notifications (sent by the recordTransition activity in the same transaction as
// the projection write) out to every open Server-Sent Events stream that follows that workflow; the
// fan-out (api/notification-fanout.ts) connects again when that connection breaks.
import type { Request, Response } from 'express';
import { config } from '../db/config.js';
import { listenForLifecycleNotifications } from '../db/lifecycle/notifications.js';
import { holdStreamOpen, NotificationFanout } from './notification-fanout.js';

let shared: NotificationFanout | undefined;

/** The process's fan-out of lifecycle notifications (api/notification-fanout.ts). */
export function lifecycleNotifications(): NotificationFanout {
  shared ??= new NotificationFanout('lifecycle', (handlers) =>
    listenForLifecycleNotifications(config.databaseUrl, handlers),
  );
  return shared;
}

export async function closeLifecycleNotifications(): Promise<void> {
  await shared?.close();
  shared = undefined;
}

/**
 * Streams `load()` as SSE `state` events: once at once, then after every transition of `workflowId`.
 * The caller has already checked that the person may read this resource.
 */
export async function streamLifecycle(
  req: Request,
  res: Response,
  workflowId: string,
  load: () => Promise<unknown>,
): Promise<void> {
  res.status(200).set({
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-transform',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  res.flushHeaders();
  let sending = Promise.resolve();
  let closed = false;
  const send = () => {
    sending = sending.then(async () => {
      if (closed) return;
      try {
        const state = await load();
        res.write(`event: state\ndata: ${JSON.stringify(state)}\n\n`);
      } catch {
        res.write(`event: error\ndata: {"message":"could not load the current state"}\n\n`);
      }
    });
  };
  const open = await holdStreamOpen(
    req,
    res,
    () => lifecycleNotifications().subscribe(workflowId, send),
    () => {
      closed = true;
    },
  );
  if (open) send();
}
