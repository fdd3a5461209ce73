// Live updates for timelines: one LISTEN connection per server process (db/lifecycle/notifications.ts)
// fans PostgreSQL notifications (sent by the recordTransition activity in the same transaction as
// the projection write) out to every open Server-Sent Events stream that follows that workflow.
import { EventEmitter } from 'node:events';
import type { Request, Response } from 'express';
import { config } from '../db/config.js';
import { listenForLifecycleNotifications, type LifecycleListener } from '../db/lifecycle/notifications.js';

class LifecycleNotifications {
  private readonly emitter = new EventEmitter();
  private listener: LifecycleListener | undefined;
  private connecting: Promise<void> | undefined;

  constructor(private readonly connectionString: string) {
    this.emitter.setMaxListeners(0);
  }

  private async connect(): Promise<void> {
    this.listener = await listenForLifecycleNotifications(this.connectionString, {
      onNotification: (workflowId) => this.emitter.emit(workflowId),
      onError: () => {
        // Dropped connection: forget it; the next subscriber reconnects. Open streams keep their
        // heartbeat, and the browser's EventSource reconnects and reloads the state.
        this.listener = undefined;
        this.connecting = undefined;
      },
    });
  }

  async subscribe(workflowId: string, onChange: () => void): Promise<() => void> {
    if (!this.listener) {
      this.connecting ??= this.connect().catch((error) => {
        this.connecting = undefined;
        throw error;
      });
      await this.connecting;
    }
    this.emitter.on(workflowId, onChange);
    return () => this.emitter.off(workflowId, onChange);
  }

  async close(): Promise<void> {
    const listener = this.listener;
    this.listener = undefined;
    this.connecting = undefined;
    await listener?.close();
  }
}

let shared: LifecycleNotifications | undefined;

export function lifecycleNotifications(): LifecycleNotifications {
  shared ??= new LifecycleNotifications(config.databaseUrl);
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
  const unsubscribe = await lifecycleNotifications().subscribe(workflowId, send);
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
  req.on('close', () => {
    closed = true;
    clearInterval(heartbeat);
    unsubscribe();
  });
  send();
}
