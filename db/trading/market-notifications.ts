// Market notifications: the venue sends NOTIFY on the `market` channel with the instrument's symbol
// as payload after it committed a book change or a trade. This listens on a dedicated connection
// (LISTEN needs one client for as long as it listens, not a pooled one) and hands each symbol to a
// callback; the fan-out to open streams is api/services/market.ts.
import pg from 'pg';

/** The NOTIFY channel the venue writes (`pg_notify('market', symbol)`). */
export const MARKET_CHANNEL = 'market';

export interface MarketNotificationHandlers {
  /** The book or the trades of `symbol` changed. */
  onNotification: (symbol: string) => void;
  /** The connection broke: no more notifications come from this listener (start another). */
  onError: (error: Error) => void;
}

export interface MarketListener {
  /** Ends the dedicated connection; never throws. */
  close(): Promise<void>;
}

/** Connects a dedicated client to `connectionString` and LISTENs on the market channel. */
export async function listenForMarketNotifications(
  connectionString: string,
  handlers: MarketNotificationHandlers,
): Promise<MarketListener> {
  const client = new pg.Client({ connectionString });
  client.on('notification', (message) => {
    if (message.channel === MARKET_CHANNEL && message.payload) handlers.onNotification(message.payload);
  });
  client.on('error', (error) => handlers.onError(error));
  try {
    await client.connect();
    await client.query(`LISTEN ${MARKET_CHANNEL}`);
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
  return {
    close: async () => {
      await client.end().catch(() => undefined);
    },
  };
}
