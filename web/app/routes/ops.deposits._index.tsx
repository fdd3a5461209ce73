import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { DEPOSIT_STATUSES } from '../../../domain/deposit.js';
import { CopyValue } from '../components/CopyButton.js';
import { Money } from '../components/Money.js';
import { Person } from '../components/Person.js';
import { StatementLink } from '../components/StatementLink.js';
import { Time } from '../components/Time.js';
import { StatusBadge } from '../components/Timeline.js';
import { requireUser } from '../session.server.js';
import { ListHeader, NextPageLink, SortHeader } from '../components/ListControls.js';
import { staffListPage } from '../staff-list.server.js';

export const meta: MetaFunction = () => [{ title: 'Deposits · backoffice · clearhouse' }];

export const DEPOSIT_LIST_READERS = ['operations', 'aml_officer', 'admin', 'auditor'] as const;

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, DEPOSIT_LIST_READERS);
  const deposits = context.services.deposits;
  const [list, counts] = await Promise.all([staffListPage(request, user, deposits), deposits.lists.counts()]);
  const people = await context.services.people(list.page.items.map((d) => d.clientId));
  return { ...list, counts, people };
}

export default function OpsDeposits() {
  const { page, counts, people, status, searching, sort } = useLoaderData<typeof loader>();
  return (
    <>
      <ListHeader
        title="Deposits"
        csvPath="/ops/deposits.csv"
        statuses={DEPOSIT_STATUSES}
        counts={counts}
        status={status}
      />
      <p className="muted" aria-live="polite">
        {searching ? `${page.items.length} found on this page` : `${page.items.length} shown`}
      </p>
      <table className="grid">
        <thead>
          <tr>
            <SortHeader column="created" label="Announced" sort={sort} firstDir="desc" />
            <SortHeader column="client" label="Client" sort={sort} />
            <SortHeader column="amount" label="Announced amount" sort={sort} numeric firstDir="desc" />
            <SortHeader column="received" label="Received" sort={sort} numeric firstDir="desc" />
            <SortHeader column="reference" label="Reference" sort={sort} />
            <SortHeader column="status" label="Status" sort={sort} />
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
                <StatementLink clientId={d.clientId} people={people} />
              </td>
              <td className="num">
                <Money amount={d.amount} asset={d.currency} />
              </td>
              <td className="num">
                <Money amount={d.receivedAmount} asset={d.currency} />
              </td>
              <td>
                <CopyValue value={d.instructions.reference} label="reference" />
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
