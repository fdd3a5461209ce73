// The client's home (balances with their history, open lifecycles, recent activity) and statement
// page, over the same services and queries as the JSON API (api/services/client-statement.ts,
// balances.ts, db/statements-client, db/dashboards/client.ts).
import type { HistoryDays } from '../../domain/client-statement.js';
import { formatAmount } from '../../domain/money.js';
import { isClient } from '../../domain/roles.js';
import { dailyClosingBalances } from '../../db/statements-client/balance-history.js';
import { openLifecycleCounts, recentLifecycles } from '../../db/dashboards/client.js';
import type { AppDeps } from '../deps.js';
import { ApiError, forbidden } from '../errors.js';
import { balancesFor } from '../services/balances.js';
import { statementFor, type StatementView } from '../services/client-statement.js';
import type { WebUser } from './load-context.js';

const RECENT_SHOWN = 10;

function requireClient(user: WebUser): void {
  if (!isClient(user.role)) throw forbidden('this page is for clients');
}

/** What a 400 of the statement said, in the page's words: one sentence per field at fault. */
export function problemsOf(error: ApiError): string[] {
  const issues = (error.details as { issues?: { path?: string; message?: string }[] } | null)?.issues;
  if (!Array.isArray(issues) || issues.length === 0) return [error.message];
  return issues.map(
    (issue) => `${FIELD_NAMES[issue.path ?? ''] ?? 'The request'}: ${issue.message ?? 'not valid'}`,
  );
}

const FIELD_NAMES: Record<string, string> = {
  asset: 'Asset',
  from: 'From',
  to: 'To',
  account: 'Account',
  cursor: 'Page',
  limit: 'Page size',
};

export function clientHomeWebServices(deps: AppDeps) {
  return {
    /** The statement page: the statement, or why the filters in the URL cannot make one. */
    statement: async (
      user: WebUser,
      query: Record<string, string | undefined>,
    ): Promise<{ statement: StatementView | null; problems: string[] }> => {
      requireClient(user);
      try {
        return { statement: await statementFor(deps, user, undefined, query), problems: [] };
      } catch (error) {
        if (error instanceof ApiError && error.status === 400)
          return { statement: null, problems: problemsOf(error) };
        throw error;
      }
    },

    /** The client's home: balances now and per day, what is still open, what changed last. */
    dashboard: async (user: WebUser, days: HistoryDays) => {
      requireClient(user);
      const [balances, history, open, recent] = await Promise.all([
        balancesFor(deps, user),
        dailyClosingBalances(deps.pool, user.id, days),
        openLifecycleCounts(deps.pool, user.id),
        recentLifecycles(deps.pool, user.id, RECENT_SHOWN),
      ]);
      const assets = [...new Set(history.map((row) => row.asset))];
      return {
        days,
        balances,
        history: assets.map((asset) => ({
          asset,
          points: history
            .filter((row) => row.asset === asset)
            .map((row) => ({ at: `${row.day}T00:00:00.000Z`, value: formatAmount(asset, row.balanceMinor) })),
        })),
        open,
        recent: recent.map((row) => ({ ...row, updatedAt: row.updatedAt.toISOString() })),
      };
    },
  };
}
