// The stack's Temporal side: the dev server as a managed process keeping its state in a file of the
// work directory (a restart on the same file keeps every workflow), the probe that says it answers,
// and the one workflow bundle every worker start loads.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { ManagedProcess } from './processes.js';

export async function temporalAnswers(address: string): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: 1000 });
  try {
    await connection.workflowService.getSystemInfo({});
    await connection.workflowService.describeNamespace({ namespace: 'default' });
    return true;
  } finally {
    await connection.close();
  }
}

/** Dev-server options a benchmark may try (scripts/bench/start-rate.ts); none by default. */
export interface TemporalDevOptions {
  /** No --db-filename: state in memory only, so a restart loses every workflow (never with faults). */
  inMemory?: boolean;
  /** More arguments, e.g. `--sqlite-pragma journal_mode=wal` or `--dynamic-config-value k=v`. */
  extraArgs?: string[];
}

/**
 * The Temporal dev server, keeping its state in the work directory so a restart keeps every workflow
 * (unless `dev.inMemory`).
 */
export function temporalProcess(
  temporalCli: string,
  plan: { temporalPort: number; uiPort: number; workDir: string },
  dev: TemporalDevOptions = {},
): ManagedProcess {
  return new ManagedProcess('temporal', {
    command: temporalCli,
    args: [
      'server',
      'start-dev',
      '--ip',
      '127.0.0.1',
      '--port',
      String(plan.temporalPort),
      '--ui-port',
      String(plan.uiPort),
      '--headless',
      '--namespace',
      'default',
      ...(dev.inMemory ? [] : ['--db-filename', join(plan.workDir, 'temporal.db')]),
      '--log-level',
      'warn',
      '--dynamic-config-value',
      'frontend.enableUpdateWorkflowExecution=true',
      '--dynamic-config-value',
      'frontend.enableExecuteMultiOperation=true',
      ...(dev.extraArgs ?? []),
    ],
    env: {},
    logPath: join(plan.workDir, 'temporal.log'),
  });
}

/** One workflow bundle for every worker start, as a deployment would ship it (activities/worker.ts). */
export async function bundleWorkflows(workDir: string): Promise<string> {
  const bundlePath = join(workDir, 'workflow-bundle.js');
  const bundle = await bundleWorkflowCode({
    workflowsPath: new URL('../../../workflows/index.ts', import.meta.url).pathname,
    logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: console.error },
  });
  writeFileSync(bundlePath, bundle.code);
  return bundlePath;
}
