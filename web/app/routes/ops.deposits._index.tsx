import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { DEPOSIT_STATUSES } from '../../../domain/deposit.js';
import { Money } from '../components/Money.js';
import { Person } from '../components/Person.js';
import { Time } from '../components/Time.js';
import { StatusBadge } from '../components/Timeline.js';
import { requireUser } from '../session.server.js';
import { CsvExportLink, ListFilters, NextPageLink, StatusCounts } from '../components/ListControls.js';
import { listQuery, searchText } from '../list-query.server.js';

export const meta: MetaFunction = () => [{ title: 'Deposits · backoffice · clearhouse' }];

export const DEPOSIT_LIST_READERS = ['operations', 'aml_officer', 'admin', 'auditor'] as const;

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, DEPOSIT_LIST_READERS);
  const query = listQuery(request);
  const q = searchText(request);
  const deposits = context.services.deposits;
  const [page, counts] = await Promise.all([
    q
      ? deposits.lists.search(user, q, query.status).then((items) => ({ items, nextCursor: null }))
      : deposits.list(user, query),
    deposits.lists.counts(),
  ]);
  const people = await context.services.people(page.items.map((d) => d.clientId));
  return { page, counts, people, status: query.status ?? '', searching: q !== undefined };
}

export default function OpsDeposits() {
  const { page, counts, people, status, searching } = useLoaderData<typeof loader>();
  return (
    <>
      <div className="row between">
        <h1>Deposits</h1>
        <CsvExportLink path="/ops/deposits.csv" />
      </div>
      <StatusCounts statuses={DEPOSIT_STATUSES} counts={counts} status={status} />
      <ListFilters statuses={DEPOSIT_STATUSES} status={status} />
      <p className="muted" aria-live="polite">
        {searching ? `${page.items.length} found` : `${page.items.length} shown`}
      </p>
      <table className="grid">
        <thead>
          <tr>
            <th scope="col">Announced</th>
            <th scope="col">Client</th>
            <th scope="col" className="num">
              Announced amount
            </th>
            <th scope="col" className="num">
              Received
            </th>
            <th scope="col">Reference</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {page.items.length === 0 ? (
            <tr>
              <td colSpan={6} className="muted">
                No deposits match.
              </td>
            </tr>
          ) : null}
          {page.items.map((d) => (
            <tr key={d.id} data-deposit-id={d.id}>
              <td>
                <Link to={`/ops/deposits/${d.id}`}>
                  <Time at={d.createdAt} />
                </Link>
              </td>
              <td>
                <Person people={people} id={d.clientId} />
              </td>
              <td className="num">
                <Money amount={d.amount} asset={d.currency} />
              </td>
              <td className="num">
                <Money amount={d.receivedAmount} asset={d.currency} />
              </td>
              <td>
                <code>{d.instructions.reference}</code>
              </td>
              <td>
                <StatusBadge status={d.status} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <NextPageLink cursor={page.nextCursor} status={status} />
    </>
  );
}
