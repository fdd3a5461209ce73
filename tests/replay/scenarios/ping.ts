import { randomUUID } from 'node:crypto';
import type { Scenario } from './types.js';

export const pingScenarios: Scenario[] = [
  {
    type: 'ping',
    path: 'echo',
    description: 'the ping workflow reads the database clock and answers',
    async run({ client, taskQueue }) {
      const workflowId = `ping-${randomUUID()}`;
      await client.workflow.execute('ping', {
        taskQueue,
        workflowId,
        args: ['golden'],
        staticSummary: 'golden ping',
      });
      return workflowId;
    },
  },
];
