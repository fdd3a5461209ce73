// LISTEN on the `notification` channel (in-app.ts NOTIFICATION_CHANNEL) on a dedicated connection:
// the payload is the id of the user whose notifications changed. The fan-out to SSE streams is
// api/services/notifications.ts.
import pg from 'pg';
import { NOTIFICATION_CHANNEL } from './in-app.js';

export interface NotificationListener {
  close(): Promise<void>;
}

export async function listenForUserNotifications(
  connectionString: string,
  handlers: { onUser: (userId: string) => void; onError: (error: Error) => void },
): Promise<NotificationListener> {
  const client = new pg.Client({ connectionString });
  client.on('notification', (message) => {
    if (message.channel === NOTIFICATION_CHANNEL && message.payload) handlers.onUser(message.payload);
  });
  client.on('error', (error) => handlers.onError(error));
  await client.connect();
  await client.query(`LISTEN ${NOTIFICATION_CHANNEL}`);
  return { close: () => client.end().catch(() => undefined) };
}
