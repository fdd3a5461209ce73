// Runs in every test worker before the test file is imported, so modules reading the environment
// (db/config.ts) see the scratch database, the shared dev server and a task queue of this file alone.
import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';

process.env.DATABASE_URL = inject('databaseUrl');
process.env.TEMPORAL_ADDRESS = inject('temporalAddress');
process.env.TEMPORAL_TASK_QUEUE = `test-${randomUUID()}`;
process.env.LOG_LEVEL ??= 'silent';
