import type { Server } from 'node:http';
import { config } from '../db/config.js';
import { closePool } from '../db/pool.js';
import { createApp, type CreateAppOptions } from './app.js';
import { logger } from './logger.js';
import { closeTemporalClient } from './temporal-client.js';
import { mountWeb } from './pages/mount.js';
import { closeLifecycleNotifications } from './live-updates.js';
import { closeNotificationConnections } from './services/notifications.js';
import { closeMarketNotifications } from './services/market.js';
import { ensureInstruments } from '../db/venue/index.js';
import { getPool } from '../db/pool.js';
import { startLoopStats } from './loop-stats.js';

export interface RunningServer {
  server: Server;
  url: string;
  /** Stops accepting connections, lets open requests finish, then closes PostgreSQL, MikroORM and Temporal. */
  close(): Promise<void>;
}

export async function startServer(
  options: CreateAppOptions & { port?: number; host?: string } = {},
): Promise<RunningServer> {
  // The instrument rows the venue, the risk rules and GET /instruments read (idempotent upsert).
  await ensureInstruments(getPool()).catch((err) => logger.warn({ err }, 'instruments not ensured'));
  const app = createApp(options);
  const port = options.port ?? config.port;
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(port, options.host ?? '0.0.0.0', () => resolve(listening));
    listening.once('error', reject);
  });
  const address = server.address();
  const url = `http://localhost:${typeof address === 'object' && address ? address.port : port}`;
  logger.info({ url }, 'server listening');

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      // A Temporal connection still being attempted can take a while to give up: do not wait for it forever.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([
          closePool(),
          closeTemporalClient(),
          closeLifecycleNotifications(),
          closeNotificationConnections(),
          closeMarketNotifications(),
        ]),
        new Promise((resolve) => (timer = setTimeout(resolve, 3000))),
      ]);
      clearTimeout(timer);
      logger.info('server stopped');
    })());
  return { server, url, close };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  startLoopStats(); // only with LOOP_STATS_FILE (benchmarks: api/loop-stats.ts)
  const running = await startServer({ mountWeb }).catch((error) => {
    logger.fatal({ err: error }, 'server failed to start');
    process.exit(1);
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'shutting down');
      const force = setTimeout(() => {
        logger.error('graceful shutdown took too long; exiting');
        process.exit(1);
      }, 10_000);
      force.unref();
      running.close().then(
        () => process.exit(0),
        (error) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
}
