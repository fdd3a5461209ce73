import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { BANK_ACCOUNT_STATUSES } from '../../../domain/bank-account.js';
import { CopyValue } from '../components/CopyButton.js';
import { ListHeader, NextPageLink, SortHeader } from '../components/ListControls.js';
import { Person } from '../components/Person.js';
import { StatementLink } from '../components/StatementLink.js';
import { Time } from '../components/Time.js';
import { StatusBadge } from '../components/Timeline.js';
import { requireUser } from '../session.server.js';
import { staffListPage } from '../staff-list.server.js';

export const meta: MetaFunction = () => [{ title: 'Bank accounts · backoffice · clearhouse' }];

export const BANK_ACCOUNT_LIST_READERS = ['operations', 'aml_officer', 'admin', 'auditor'] as const;
/** The list opens on what waits for a verification. */
export const BANK_ACCOUNT_LIST = { defaultStatus: 'PENDING_VERIFICATION' };

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, BANK_ACCOUNT_LIST_READERS);
  const accounts = context.services.bankAccounts;
  const [list, counts] = await Promise.all([
    staffListPage(request, user, accounts, BANK_ACCOUNT_LIST),
    accounts.lists.counts(),
  ]);
  const people = await context.services.people(list.page.items.map((a) => a.clientId));
  return { ...list, counts, people };
}

export default function OpsBankAccounts() {
  const { page, counts, people, status, sort } = useLoaderData<typeof loader>();
  return (
    <>
      <ListHeader
        title="Bank accounts"
        csvPath="/ops/bank-accounts.csv"
        statuses={BANK_ACCOUNT_STATUSES}
        counts={counts}
        status={status}
      />
      <table className="grid">
        <thead>
          <tr>
            <SortHeader column="created" label="Added" sort={sort} firstDir="desc" />
            <SortHeader column="client" label="Client" sort={sort} />
            <SortHeader column="iban" label="IBAN" sort={sort} />
            <SortHeader column="bic" label="BIC" sort={sort} />
            <SortHeader column="holder" label="Holder" sort={sort} />
            <SortHeader column="status" label="Status" sort={sort} />
          </tr>
        </thead>
        <tbody>
          {page.items.length === 0 ? (
            <tr>
              <td colSpan={6} className="muted">
                Nothing here.
              </td>
            </tr>
          ) : (
            page.items.map((account) => (
              <tr key={account.id} data-bank-account-id={account.id}>
                <td>
                  <Link to={`/ops/bank-accounts/${account.id}`}>
                    <Time at={account.createdAt} />
                  </Link>
                </td>
                <td>
                  <Person people={people} id={account.clientId} />
                  <StatementLink clientId={account.clientId} people={people} />
                </td>
                <td>
                  <CopyValue value={account.ibanDisplay} label="IBAN" />
                </td>
                <td>{account.bic}</td>
                <td>{account.accountName}</td>
                <td>
                  <StatusBadge status={account.status} />
                </td>
              </tr>
            ))
          )}
        </tbody>
      </table>
      <NextPageLink cursor={page.nextCursor} status={status} />
    </>
  );
}
