// Reconciliation services for the Remix pages: the same service functions the JSON routes call, the
// list's counts, search and sort as every staff list has them (./staff-lists.ts), and the daily
// matched/unmatched history the summary page charts.
import { dailyMatchHistory, openBreaksByAge } from '../../db/reconciliation/index.js';
import { getLifecycle } from '../../db/lifecycle/index.js';
import { internalBreakAdjustable } from '../../domain/reconciliation/internal.js';
import { canReadAllClients } from '../../domain/roles.js';
import type { AppDeps } from '../deps.js';
import { forbidden } from '../errors.js';
import { matchedPercentOf, toBreakView } from '../reconciliation-view.js';
import * as service from '../services/reconciliations.js';
import type { WebUser } from './load-context.js';
import { staffListServices } from './staff-lists.js';

/** The summary chart spans this many days. */
const HISTORY_DAYS = 30;

export function reconciliationWebServices(deps: AppDeps) {
  return {
    list: (user: WebUser, query: Record<string, unknown>) => service.listReconciliations(deps, user, query),
    /** Counts per status, search (account, IBAN, statement id) and sort for the list. */
    lists: staffListServices(deps, 'reconciliation', (user, ids) =>
      service.getReconciliations(deps, user, ids),
    ),
    get: (user: WebUser, id: string) => service.getReconciliation(deps, user, id),
    lines: (user: WebUser, id: string, query: Record<string, unknown>) =>
      service.listLines(deps, user, id, query),
    breaks: (user: WebUser, id: string, query: Record<string, unknown>) =>
      service.listBreaks(deps, user, id, query),
    import: (user: WebUser, upload: service.StatementUpload, idempotencyKey: string) =>
      service.importStatements(deps, user, upload, idempotencyKey),
    resolve: (user: WebUser, breakId: string, body: unknown, requestId: string) =>
      service.resolveBreak(deps, user, breakId, body, requestId),
    approve: (user: WebUser, breakId: string, requestId: string) =>
      service.approveBreakAdjustment(deps, user, breakId, requestId),
    confirmDeposit: (user: WebUser, id: string, lineId: string, requestId: string) =>
      service.confirmDepositFromLine(deps, user, id, lineId, requestId),
    breakOf: (user: WebUser, breakId: string) => service.getBreakFor(deps, user, breakId),
    /** A break as the API shows it, and whether it is of an internal run that takes actions now. */
    breakPage: async (user: WebUser, breakId: string) => {
      const row = await service.getBreakFor(deps, user, breakId);
      const run = row.statementId === null ? await getLifecycle(deps.pool, row.workflowId) : null;
      return {
        break: toBreakView(row),
        statementId: row.statementId,
        workflowId: row.workflowId,
        runStatus: run?.status ?? null,
        runOpen: run !== null && run.closedAt === null,
        adjustable: row.statementId !== null || internalBreakAdjustable(row.kind),
      };
    },
    report: (user: WebUser, id: string) => service.reconciliationReport(deps, user, id),
    /** The summary: daily matched/unmatched lines, their matched share and open breaks by age. */
    summary: async (user: WebUser) => {
      if (!canReadAllClients(user.role)) throw forbidden('reconciliations are for staff and auditors');
      const [history, breaksByAge] = await Promise.all([
        dailyMatchHistory(deps.pool, HISTORY_DAYS),
        openBreaksByAge(deps.pool),
      ]);
      const matched = history.reduce((n, d) => n + d.matched, 0);
      const lines = history.reduce((n, d) => n + d.matched + d.unmatched, 0);
      return { history, breaksByAge, lines, matchedPercent: matchedPercentOf(matched, lines) };
    },
  };
}
