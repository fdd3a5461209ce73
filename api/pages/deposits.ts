// Deposit and task services for the Remix pages: the same service functions the JSON routes call.
import type { AppDeps } from '../deps.js';
import * as depositService from '../services/deposits.js';
import * as taskService from '../services/tasks.js';
import type { WebUser } from './load-context.js';
import { staffListServices } from './staff-lists.js';
import { taskListServices } from './task-lists.js';

export function depositWebServices(deps: AppDeps) {
  return {
    list: (user: WebUser, query: Parameters<typeof depositService.listDeposits>[2]) =>
      depositService.listDeposits(deps, user, query),
    get: (user: WebUser, id: string) => depositService.getDeposit(deps, user, id),
    /** Counts per status and search for the staff list. */
    lists: staffListServices(deps, 'deposit', (user, ids) => depositService.getDeposits(deps, user, ids)),
    create: (
      user: WebUser,
      body: Parameters<typeof depositService.createDeposit>[2],
      idempotencyKey: string,
    ) => depositService.createDeposit(deps, user, body, idempotencyKey),
    cancel: (user: WebUser, id: string, requestId: string) =>
      depositService.cancelDeposit(deps, user, id, requestId),
    confirm: (
      user: WebUser,
      id: string,
      body: Parameters<typeof depositService.confirmDeposit>[3],
      requestId: string,
    ) => depositService.confirmDeposit(deps, user, id, body, requestId),
    release: (user: WebUser, id: string, body: { note: string }, requestId: string) =>
      depositService.releaseDeposit(deps, user, id, body, requestId),
    extend: (user: WebUser, id: string, body: { until: string; note: string }, requestId: string) =>
      depositService.extendDeposit(deps, user, id, body, requestId),
    reject: (user: WebUser, id: string, body: { reason: string }, requestId: string) =>
      depositService.rejectDeposit(deps, user, id, body, requestId),
  };
}

export function taskWebServices(deps: AppDeps) {
  return {
    list: (user: WebUser, query: Parameters<typeof taskService.listTasksFor>[2]) =>
      taskService.listTasksFor(deps, user, query),
    claim: (user: WebUser, id: string) => taskService.claimTaskFor(deps, user, id),
    release: (user: WebUser, id: string) => taskService.releaseTaskFor(deps, user, id),
    /** Counts, search and sort for the inbox page. */
    lists: taskListServices(deps),
  };
}
