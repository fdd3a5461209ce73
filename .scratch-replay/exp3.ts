import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, DefaultLogger, Runtime } from '@temporalio/worker';
Runtime.install({ logger: new DefaultLogger('WARN') });
const cli = `${process.env.HOME}/.cache/clearhouse/temporal-1.5.1/bin/temporal`;
const env = await TestWorkflowEnvironment.createLocal({ server: { executable: { type: 'existing-path', path: cli }, ip: '127.0.0.1', ui: false } });
try {
  const worker = await Worker.create({
    connection: env.nativeConnection, taskQueue: 'exp',
    workflowsPath: new URL('../workflows/index.ts', import.meta.url).pathname,
    activities: { async recordPing(m: string) { return new Date().toISOString() + m; } },
  });
  await worker.runUntil(async () => {
    for (const id of ['a-1', 'a-2']) await env.client.workflow.execute('ping', { taskQueue: 'exp', workflowId: id, args: ['hi'] });
  });
  for (const id of ['a-1', 'a-2']) {
    const d = await env.client.workflow.getHandle(id).describe();
    const t0 = Date.now();
    await env.client.workflowService.deleteWorkflowExecution({ namespace: 'default', workflowExecution: { workflowId: id, runId: d.runId } });
    for (;;) {
      try { await env.client.workflow.getHandle(id).fetchHistory(); await new Promise((r) => setTimeout(r, 100)); } catch (e) { console.log(id, 'gone after ms', Date.now() - t0, (e as Error).message); break; }
    }
  }
} finally { await env.teardown(); }
