// The worker process: runs every workflow and activity on the task queue. Any number may run at once.
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { config } from '../db/config.js';
import { closePool, getPool } from '../db/pool.js';
import { createActivities, type ActivityDeps } from './index.js';

export interface WorkerSetup {
  connection: NativeConnection;
  taskQueue?: string;
  deps?: Partial<ActivityDeps>;
  /** A prebuilt bundle (tests build it once); otherwise the workflows are bundled at start. */
  workflowBundlePath?: string;
  options?: Partial<WorkerOptions>;
}

export async function createWorker(setup: WorkerSetup): Promise<Worker> {
  const deps: ActivityDeps = { pool: getPool(), ...setup.deps };
  return Worker.create({
    connection: setup.connection,
    namespace: config.temporalNamespace,
    taskQueue: setup.taskQueue ?? config.taskQueue,
    activities: createActivities(deps),
    ...(setup.workflowBundlePath
      ? { workflowBundle: { codePath: setup.workflowBundlePath } }
      : { workflowsPath: new URL('../workflows/index.ts', import.meta.url).pathname }),
    ...setup.options,
  });
}

async function main(): Promise<void> {
  const connection = await NativeConnection.connect({ address: config.temporalAddress });
  const worker = await createWorker({ connection });
  const stop = () => worker.shutdown();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  console.log(JSON.stringify({ level: 'info', msg: 'worker polling', taskQueue: config.taskQueue }));
  await worker.run();
  await connection.close();
  await closePool();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
