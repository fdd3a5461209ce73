// The statement pages' filter form (the client's /app/statement, staff's /ops/clients/:id/statement):
// asset, period and accounts as a plain GET form, so it works without JavaScript.
import { Form } from '@remix-run/react';
import { STATEMENT_ACCOUNTS, STATEMENT_ACCOUNT_LABELS } from '../../../domain/client-statement.js';
import { ASSET_CODES } from '../../../domain/money.js';

export function StatementFilters({
  query,
  from,
  to,
  allAssets = false,
}: {
  query: { asset?: string; account?: string };
  from?: string;
  to?: string;
  /** Offer "All assets" (staff see every asset of a client at once). */
  allAssets?: boolean;
}) {
  return (
    <Form method="get" className="row card" aria-label="Statement filters">
      <label>
        Asset
        <select name="asset" defaultValue={query.asset ?? ''}>
          {allAssets ? <option value="">All assets</option> : null}
          {ASSET_CODES.map((code) => (
            <option key={code} value={code}>
              {code}
            </option>
          ))}
        </select>
      </label>
      <label>
        From
        <input type="date" name="from" defaultValue={from} required />
      </label>
      <label>
        To
        <input type="date" name="to" defaultValue={to} required />
      </label>
      <label>
        Accounts
        <select name="account" defaultValue={query.account ?? 'all'}>
          {STATEMENT_ACCOUNTS.map((account) => (
            <option key={account} value={account}>
              {STATEMENT_ACCOUNT_LABELS[account]}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" className="secondary">
        Show
      </button>
    </Form>
  );
}
