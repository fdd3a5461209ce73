import type pg from 'pg';
import { createPingActivities } from './ping.js';

export interface ActivityDeps {
  pool: pg.Pool;
}

/** Every activity the worker registers, bound to its dependencies (database, partner adapters). */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createPingActivities(deps.pool),
  };
}

export type Activities = ReturnType<typeof createActivities>;
