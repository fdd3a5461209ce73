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
    for (const id of ['a-1', 'a-2', 'b-3']) await env.client.workflow.execute('ping', { taskQueue: 'exp', workflowId: id, args: ['hi'] });
  });
  await new Promise((r) => setTimeout(r, 1500));
  for (const q of [] as string[]) {
    try {
      const r = await env.client.workflowService.listWorkflowExecutions({ namespace: 'default', query: q, pageSize: 2 });
      console.log(q, '=>', r.executions.map((e) => [e.execution?.workflowId, e.status, e.startTime?.seconds?.toString()]), 'token', r.nextPageToken?.length);
      if (r.nextPageToken?.length) {
        const r2 = await env.client.workflowService.listWorkflowExecutions({ namespace: 'default', query: q, pageSize: 2, nextPageToken: r.nextPageToken });
        console.log('  page2', r2.executions.map((e) => e.execution?.workflowId), r2.nextPageToken?.length);
      }
    } catch (e) { console.log(q, 'ERR', (e as Error).message); }
  }
  await env.client.workflowService.deleteWorkflowExecution({ namespace: 'default', workflowExecution: { workflowId: 'a-1' } });
  for (let i = 0; i < 300; i++) {
    try { await env.client.workflow.getHandle('a-1').describe(); await new Promise((r) => setTimeout(r, 200)); } catch (e) { console.log('gone after', i, (e as Error).name, (e as Error).message); break; }
  }
  try { await env.client.workflow.getHandle('a-1').fetchHistory(); } catch (e) { console.log('fetchHistory', (e as Error).name, (e as Error).message); }
} finally { await env.teardown(); }
