// Runs once per `vitest run`: a fresh scratch database with every migration applied, the workflow
// bundle built once, and one real Temporal dev server (the installed CLI, never a download).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode } from '@temporalio/worker';
import { dropAndCreateDatabase, migrate } from '../../db/migrate.js';
import { ensureTemporalCli } from '../../scripts/temporal-cli.js';
import { buildWebIfStale } from '../../scripts/web-build.js';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    temporalAddress: string;
    workflowBundlePath: string;
  }
}

let env: TestWorkflowEnvironment | undefined;

export async function setup(project: TestProject): Promise<void> {
  const databaseUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/clearhouse_test';
  await dropAndCreateDatabase(databaseUrl);
  await migrate(databaseUrl);
  project.provide('databaseUrl', databaseUrl);

  const dir = mkdtempSync(join(tmpdir(), 'clearhouse-test-'));
  const bundle = await bundleWorkflowCode({
    workflowsPath: new URL('../../workflows/index.ts', import.meta.url).pathname,
    logger: { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error },
  });
  const workflowBundlePath = join(dir, 'workflow-bundle.js');
  writeFileSync(workflowBundlePath, bundle.code);
  project.provide('workflowBundlePath', workflowBundlePath);

  // Browser tests need the built pages; a no-op when the build is newer than its sources.
  if (process.env.TEST_WEB !== '0') await buildWebIfStale(() => undefined);

  if (process.env.TEST_TEMPORAL === '0') {
    project.provide('temporalAddress', '');
    return;
  }
  const path = await ensureTemporalCli();
  env = await TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'existing-path', path }, ip: '127.0.0.1', ui: false },
  });
  project.provide('temporalAddress', env.address);
}

export async function teardown(): Promise<void> {
  await env?.teardown();
}
