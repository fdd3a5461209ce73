import { type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { CsvExportLink, ListFilters, NextPageLink, SortHeader } from '../components/ListControls.js';
import { Person } from '../components/Person.js';
import { StatementLink } from '../components/StatementLink.js';
import { Time } from '../components/Time.js';
import { requireUser } from '../session.server.js';
import { marketMakerListRequest } from '../key-lists.server.js';

export const meta: MetaFunction = () => [{ title: 'Market makers · backoffice · clearhouse' }];

export const MARKET_MAKER_READERS = ['operations', 'aml_officer', 'admin', 'auditor'] as const;

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, MARKET_MAKER_READERS);
  const { query, searching, read } = marketMakerListRequest(request, context.services.marketMakers, user);
  const page = await read(query.cursor, query.limit);
  return { canIssue: user.role === 'admin', ...page, sort: query.sort, searching };
}

export default function MarketMakers() {
  const { items, people, nextCursor, sort, searching, canIssue } = useLoaderData<typeof loader>();
  return (
    <>
      <div className="row between">
        <h1>Market makers</h1>
        <CsvExportLink path="/ops/market-makers.csv" />
      </div>
      <p className="muted">
        Clients that own API keys. Orders today count from midnight UTC.
        {canIssue ? (
          <>
            {' '}
            Keys are issued and revoked on <Link to="/ops/api-keys">API keys</Link>.
          </>
        ) : null}
      </p>
      <ListFilters statuses={[]} status="" clientFilter={false} searchLabel="Search (name or email)" />
      <p className="muted" aria-live="polite">
        {searching ? `${items.length} found on this page` : `${items.length} shown`}
      </p>
      <table className="grid" data-testid="market-makers">
        <thead>
          <tr>
            <SortHeader column="name" label="Client" sort={sort} />
            <SortHeader column="email" label="Email" sort={sort} />
            <SortHeader column="keys" label="Keys" sort={sort} numeric firstDir="desc" />
            <SortHeader column="active" label="Active keys" sort={sort} numeric firstDir="desc" />
            <SortHeader column="used" label="Last key use" sort={sort} firstDir="desc" />
            <SortHeader column="today" label="Orders today" sort={sort} numeric firstDir="desc" />
            <SortHeader column="open" label="Open orders" sort={sort} numeric firstDir="desc" />
          </tr>
        </thead>
        <tbody>
          {items.length === 0 ? (
            <tr>
              <td colSpan={7} className="muted">
                {searching ? 'No market maker matches.' : 'No client owns an API key yet.'}
              </td>
            </tr>
          ) : null}
          {items.map((mm) => (
            <tr key={mm.clientId} data-email={mm.email}>
              <td>
                <Link to={`/ops/market-makers/${mm.clientId}`}>
                  <Person people={people} id={mm.clientId} />
                </Link>
                <StatementLink clientId={mm.clientId} people={people} />
              </td>
              <td className="muted">{mm.email}</td>
              <td className="num">{mm.keys}</td>
              <td className="num">{mm.activeKeys}</td>
              <td>{mm.lastUsedAt ? <Time at={mm.lastUsedAt} /> : <span className="muted">never</span>}</td>
              <td className="num">{mm.ordersToday}</td>
              <td className="num">{mm.openOrders}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <NextPageLink cursor={nextCursor} />
    </>
  );
}
