// The client's balance per asset at the end of each of the last days (UTC): the dashboard's chart.
// The same balance as the statement of all accounts (domain/client-statement.ts): posted lines on the
// client's available, held and pending_settlement accounts. A day's closing balance is everything
// before that day plus a running (window) sum of the days since, so a day without movements carries
// the previous day's balance.
import type pg from 'pg';
import { ASSET_CODES, isAssetCode, type AssetCode } from '../../domain/money.js';
import { statementRoles } from '../../domain/client-statement.js';
import { clientAccountCode } from '../../domain/postings.js';
import { isUuid } from '../../domain/ids.js';

export const MAX_HISTORY_DAYS = 366;

export interface DailyBalance {
  asset: AssetCode;
  /** YYYY-MM-DD (UTC). */
  day: string;
  balanceMinor: bigint;
}

function statementAccountCodes(clientId: string): string[] {
  return ASSET_CODES.flatMap((asset) =>
    statementRoles('all').map((role) => clientAccountCode(clientId, asset, role)),
  );
}

/** For each asset the client has accounts in, `days` rows (oldest first) ending today. */
export async function dailyClosingBalances(
  pool: pg.Pool,
  clientId: string,
  days: number,
): Promise<DailyBalance[]> {
  if (!isUuid(clientId)) return [];
  if (!(Number.isInteger(days) && days >= 1 && days <= MAX_HISTORY_DAYS))
    throw new Error(`days ${days} outside 1..${MAX_HISTORY_DAYS}`);
  const { rows } = await pool.query<{ asset: string; day: string; balance: string }>(
    `WITH acct AS (
       SELECT id, asset FROM ledger_account WHERE owner_id = $1::uuid AND code = ANY($3::text[])
     ),
     first_day AS (SELECT (now() AT TIME ZONE 'UTC')::date - ($2::int - 1) AS d),
     moves AS (
       SELECT a.asset, (e.effective_at AT TIME ZONE 'UTC')::date AS d, l.credit - l.debit AS delta
         FROM journal_line l
         JOIN acct a ON a.id = l.account_id
         JOIN journal_entry e ON e.id = l.entry_id
        WHERE NOT l.pending
     ),
     before AS (
       SELECT asset, sum(delta) AS minor FROM moves WHERE d < (SELECT d FROM first_day) GROUP BY asset
     ),
     per_day AS (
       SELECT asset, d, sum(delta) AS minor FROM moves WHERE d >= (SELECT d FROM first_day) GROUP BY 1, 2
     ),
     grid AS (
       SELECT s.asset, g.d::date AS d
         FROM (SELECT DISTINCT asset FROM acct) s
        CROSS JOIN generate_series((SELECT d FROM first_day), (now() AT TIME ZONE 'UTC')::date, interval '1 day') g(d)
     )
     SELECT g.asset, to_char(g.d, 'YYYY-MM-DD') AS day,
            (coalesce(b.minor, 0) + sum(coalesce(p.minor, 0)) OVER (PARTITION BY g.asset ORDER BY g.d))::text AS balance
       FROM grid g
       LEFT JOIN per_day p ON p.asset = g.asset AND p.d = g.d
       LEFT JOIN before b ON b.asset = g.asset
      ORDER BY g.asset, g.d`,
    [clientId, days, statementAccountCodes(clientId)],
  );
  return rows.flatMap((row) =>
    isAssetCode(row.asset) ? [{ asset: row.asset, day: row.day, balanceMinor: BigInt(row.balance) }] : [],
  );
}
