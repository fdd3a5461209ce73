import type { Request } from 'express';
import type pg from 'pg';
import type { Client } from '@temporalio/client';
import { config } from '../db/config.js';
import { getPool } from '../db/pool.js';
import { getTemporalClient } from './temporal-client.js';

/** What the API needs from the outside world. createApp fills in defaults; tests pass their own. */
export interface AppDeps {
  pool: pg.Pool;
  /** The Temporal client, connected lazily (so the API starts even when Temporal is down). */
  temporal: () => Promise<Client>;
  /** The task queue workflows are started on (and /readyz checks for pollers). */
  taskQueue: string;
}

export function resolveDeps(partial: Partial<AppDeps> = {}): AppDeps {
  const pool = partial.pool ?? getPool();
  return {
    pool,
    temporal: partial.temporal ?? getTemporalClient,
    taskQueue: partial.taskQueue ?? config.taskQueue,
  };
}

/** The deps of the app serving `req` (createApp stores them in app.locals). */
export function depsOf(req: Request): AppDeps {
  const deps = req.app.locals.deps as AppDeps | undefined;
  if (!deps) throw new Error('app.locals.deps is missing: build the app with createApp()');
  return deps;
}
