// The Redis the queues live on (REDIS_URL, default redis://127.0.0.1:6379) and the prefix of their
// keys (QUEUE_PREFIX, default "clearhouse"): tests give each file its own prefix, so parallel runs
// never share a queue.
import { Redis, type RedisOptions } from 'ioredis';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

export function redisUrl(): string {
  return process.env.REDIS_URL || DEFAULT_REDIS_URL;
}

export function queuePrefix(): string {
  return process.env.QUEUE_PREFIX || 'clearhouse';
}

/**
 * A connection for BullMQ: its workers block on Redis, so they need maxRetriesPerRequest null;
 * queues (producers) share the same options.
 */
export function createRedis(url: string = redisUrl(), options: RedisOptions = {}): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, ...options });
}

let readinessClient: Redis | undefined;

/** PING on a shared connection that fails fast instead of queueing while Redis is down (/readyz). */
export async function pingRedis(): Promise<{ url: string }> {
  if (!readinessClient) {
    readinessClient = new Redis(redisUrl(), {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 2000,
      retryStrategy: (times) => Math.min(times * 200, 2000),
    });
    // Errors show as a failed check; an unhandled 'error' event would end the process.
    readinessClient.on('error', () => undefined);
  }
  if (readinessClient.status === 'wait') await readinessClient.connect();
  const answer = await readinessClient.ping();
  if (answer !== 'PONG') throw new Error(`Redis answered ${answer}`);
  const shown = new URL(redisUrl());
  shown.password = '';
  return { url: shown.toString() };
}

export async function closeReadinessRedis(): Promise<void> {
  const client = readinessClient;
  readinessClient = undefined;
  client?.disconnect();
}
