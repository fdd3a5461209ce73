// Joins the dev server started by the global setup and runs a real worker on this file's task queue.
import { inject } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { config } from '../../db/config.js';
import { createWorker, type WorkerSetup } from '../../activities/worker.js';

export interface TestTemporal {
  client: Client;
  worker: Worker;
  taskQueue: string;
  stop(): Promise<void>;
}

let runtimeInstalled = false;

export async function startTestWorker(extra: Omit<WorkerSetup, 'connection'> = {}): Promise<TestTemporal> {
  const address = inject('temporalAddress');
  if (!address) throw new Error('this test needs Temporal; run without TEST_TEMPORAL=0');
  if (!runtimeInstalled) {
    // Worker state changes at INFO drown test output; warnings and errors still show.
    Runtime.install({ logger: new DefaultLogger('WARN') });
    runtimeInstalled = true;
  }
  const nativeConnection = await NativeConnection.connect({ address });
  const worker = await createWorker({
    connection: nativeConnection,
    workflowBundlePath: inject('workflowBundlePath'),
    ...extra,
  });
  const running = worker.run();
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace: config.temporalNamespace });
  return {
    client,
    worker,
    taskQueue: extra.taskQueue ?? config.taskQueue,
    async stop() {
      worker.shutdown();
      await running;
      await connection.close();
      await nativeConnection.close();
    },
  };
}

/**
 * Replays the histories of `workflowIds` against this run's workflow bundle (the current code);
 * throws on the first nondeterminism. Still-running workflows are skipped unless `includeRunning`.
 * Returns how many were replayed, so a test can insist the check covered something.
 * One replay worker serves every history: building one loads the whole workflow bundle, seconds
 * per history on a loaded machine.
 */
export async function replayWorkflows(
  client: Client,
  workflowIds: Iterable<string>,
  options: { includeRunning?: boolean } = {},
): Promise<number> {
  async function* histories() {
    for (const workflowId of new Set(workflowIds)) {
      const handle = client.workflow.getHandle(workflowId);
      if (!options.includeRunning && (await handle.describe()).status.name === 'RUNNING') continue;
      yield { workflowId, history: await handle.fetchHistory() };
    }
  }
  let replayed = 0;
  for await (const result of Worker.runReplayHistories(
    { workflowBundle: { codePath: inject('workflowBundlePath') } },
    histories(),
  )) {
    if (result.error) throw result.error;
    replayed += 1;
  }
  return replayed;
}
