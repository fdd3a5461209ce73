import { proxyActivities } from '@temporalio/workflow';
import type { PingActivities } from '../activities/ping.js';

const { recordPing } = proxyActivities<PingActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 3 },
});

/** Proves the whole path: API -> Temporal -> worker -> activity -> PostgreSQL -> back. */
export async function ping(message: string): Promise<{ echo: string; databaseTime: string }> {
  const databaseTime = await recordPing(message);
  return { echo: message, databaseTime };
}
