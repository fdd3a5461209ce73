import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, DefaultLogger, Runtime } from '@temporalio/worker';
import { historyToJSON, historyFromJSON } from '@temporalio/common/lib/proto-utils.js';

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
    await env.client.workflow.execute('ping', { taskQueue: 'exp', workflowId: 'exp-ping', args: ['hi'], staticSummary: 'a ping' });
  });
  const h = await env.client.workflow.getHandle('exp-ping').fetchHistory();
  const js = historyToJSON(h);
  writeFileSync('.scratch-replay/sdk.json', js);
  const out = spawnSync(cli, ['workflow', 'show', '--workflow-id', 'exp-ping', '--output', 'json', '--address', env.address], { encoding: 'utf8' });
  writeFileSync('.scratch-replay/cli.json', out.stdout);
  console.log('cli stderr', out.stderr);
  const rt = historyToJSON(historyFromJSON(JSON.parse(js)));
  console.log('roundtrip equal', rt === js);
  const rt2 = historyToJSON(historyFromJSON(JSON.parse(out.stdout)));
  writeFileSync('.scratch-replay/cli-rt.json', rt2);
  await Worker.runReplayHistory({ workflowsPath: new URL('../workflows/index.ts', import.meta.url).pathname }, JSON.parse(out.stdout), 'exp-ping');
  console.log('cli replay ok');
} finally { await env.teardown(); }
