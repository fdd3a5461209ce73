// Lifecycle notifications: the recordTransition activity sends NOTIFY on the `lifecycle` channel in
// the same transaction as the projection write (activities/lifecycle.ts LIFECYCLE_CHANNEL), with the
// workflow id as payload. This listens on a dedicated connection (LISTEN needs one client for as
// long as it listens, not a pooled one) and hands each payload to a callback. The fan-out to open
// streams is api/live-updates.ts.
import pg from 'pg';

/** The NOTIFY channel; the same name as activities/lifecycle.ts LIFECYCLE_CHANNEL. */
const CHANNEL = 'lifecycle';

export interface LifecycleNotificationHandlers {
  /** A transition of the workflow `workflowId` was committed. */
  onNotification: (workflowId: string) => void;
  /** The connection broke: no more notifications come from this listener (start another). */
  onError: (error: Error) => void;
}

export interface LifecycleListener {
  /** Ends the dedicated connection; never throws. */
  close(): Promise<void>;
}

/** Connects a dedicated client to `connectionString` and LISTENs on the lifecycle channel. */
export async function listenForLifecycleNotifications(
  connectionString: string,
  handlers: LifecycleNotificationHandlers,
): Promise<LifecycleListener> {
  const client = new pg.Client({ connectionString });
  client.on('notification', (message) => {
    if (message.channel === CHANNEL && message.payload) handlers.onNotification(message.payload);
  });
  client.on('error', (error) => handlers.onError(error));
  await client.connect();
  await client.query(`LISTEN ${CHANNEL}`);
  return {
    close: async () => {
      await client.end().catch(() => undefined);
    },
  };
}
