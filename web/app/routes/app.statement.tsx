import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useLoaderData } from '@remix-run/react';
import { ASSET_CODES } from '../../../domain/money.js';
import {
  ACCOUNT_LABELS,
  STATEMENT_ACCOUNTS,
  STATEMENT_ACCOUNT_LABELS,
  type StatementAccount,
} from '../../../domain/client-statement.js';
import { clientPathOf } from '../client-links.js';
import { Money } from '../components/Money.js';
import { NextPageLink } from '../components/ListControls.js';
import { Time } from '../components/Time.js';
import { requireUser } from '../session.server.js';

export const meta: MetaFunction = () => [{ title: 'Statement · clearhouse' }];

const PAGE_SIZE = '50';

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, ['client']);
  const params = new URL(request.url).searchParams;
  const balances = await context.services.balances(user);
  const given = (name: string) => params.get(name) || undefined;
  // Without a choice, the first asset the client holds (EUR for a new client).
  const query = {
    asset: given('asset') ?? balances[0]?.asset ?? 'EUR',
    from: given('from'),
    to: given('to'),
    account: given('account'),
    cursor: given('cursor'),
    limit: PAGE_SIZE,
  };
  const { statement, problems } = await context.services.clientHome.statement(user, query);
  return { statement, problems, query, onLaterPage: query.cursor !== undefined };
}

function downloadHref(
  extension: 'csv' | 'pdf',
  s: { asset: string; from: string; to: string; account: StatementAccount },
) {
  const query = new URLSearchParams({ asset: s.asset, from: s.from, to: s.to, account: s.account });
  return `/api/v1/statement.${extension}?${query}`;
}

function Filters({
  query,
  from,
  to,
}: {
  query: { asset: string; account?: string };
  from?: string;
  to?: string;
}) {
  return (
    <Form method="get" className="row card" aria-label="Statement filters">
      <label>
        Asset
        <select name="asset" defaultValue={query.asset}>
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

export default function Statement() {
  const { statement, problems, query, onLaterPage } = useLoaderData<typeof loader>();
  return (
    <>
      <h1>Statement</h1>
      <p className="muted">
        Every movement of your balance in one asset, oldest first, with the balance after each. With all
        accounts the balance is everything we hold for you in that asset: available, on AML hold and pending
        settlement together. Money reserved for an open withdrawal or order has not moved yet: it shows as
        reserved on Balances, and here once it is paid out or traded. Days are UTC days.
      </p>
      <Filters query={query} from={statement?.from ?? query.from} to={statement?.to ?? query.to} />
      {problems.length > 0 ? (
        <div className="error" role="alert" data-testid="statement-problems">
          <p>This statement cannot be shown:</p>
          <ul>
            {problems.map((problem) => (
              <li key={problem}>{problem}</li>
            ))}
          </ul>
        </div>
      ) : null}
      {statement ? <StatementTable statement={statement} onLaterPage={onLaterPage} /> : null}
    </>
  );
}

/** The opening or the closing balance as a row of the table. */
function EdgeRow(props: { testId: string; day: string; label: string; balance: string; asset: string }) {
  return (
    <tr data-testid={props.testId}>
      <td>{props.day}</td>
      <th scope="row">{props.label}</th>
      <td colSpan={3} />
      <td className="num">
        <Money amount={props.balance} asset={props.asset} />
      </td>
    </tr>
  );
}

type StatementData = NonNullable<ReturnType<typeof useLoaderData<typeof loader>>['statement']>;

function StatementTable({ statement, onLaterPage }: { statement: StatementData; onLaterPage: boolean }) {
  const { asset } = statement;
  const lastPage = statement.nextCursor === null;
  return (
    <>
      <section className="card" aria-labelledby="summary-title">
        <h2 id="summary-title">
          {asset} · {statement.from} to {statement.to}
        </h2>
        <dl className="kv">
          <dt>Accounts</dt>
          <dd>{STATEMENT_ACCOUNT_LABELS[statement.account]}</dd>
          <dt>Opening balance</dt>
          <dd data-testid="opening-balance">
            <Money amount={statement.openingBalance} asset={asset} />
          </dd>
          <dt>Closing balance</dt>
          <dd data-testid="closing-balance">
            <Money amount={statement.closingBalance} asset={asset} />
          </dd>
          <dt>Movements</dt>
          <dd>{statement.lineCount.toLocaleString('en')}</dd>
        </dl>
        <p className="row">
          <a className="button secondary" href={downloadHref('csv', statement)} download>
            Download CSV
          </a>
          <a className="button secondary" href={downloadHref('pdf', statement)} download>
            Download PDF
          </a>
        </p>
      </section>
      <table className="grid" data-testid="statement">
        <caption className="visually-hidden">
          Statement of {asset} from {statement.from} to {statement.to}
        </caption>
        <thead>
          <tr>
            <th scope="col">Date</th>
            <th scope="col">Description</th>
            <th scope="col">Account</th>
            <th scope="col" className="num">
              Debit
            </th>
            <th scope="col" className="num">
              Credit
            </th>
            <th scope="col" className="num">
              Balance
            </th>
          </tr>
        </thead>
        <tbody>
          {onLaterPage ? null : (
            <EdgeRow
              testId="opening-row"
              day={statement.from}
              label="Opening balance"
              balance={statement.openingBalance}
              asset={asset}
            />
          )}
          {statement.lines.length === 0 ? (
            <tr>
              <td colSpan={6} className="muted">
                No movements in this period.
              </td>
            </tr>
          ) : (
            statement.lines.map((line, index) => {
              const href = clientPathOf(line.subject);
              return (
                <tr key={`${line.entryId}-${index}`} data-entry-id={line.entryId}>
                  <td>
                    <Time at={line.postedAt} age={false} />
                  </td>
                  <td>{href ? <Link to={href}>{line.description}</Link> : line.description}</td>
                  <td>{ACCOUNT_LABELS[line.account]}</td>
                  <td className="num" data-field="debit">
                    {line.direction === 'DEBIT' ? <Money amount={line.amount} asset={asset} /> : null}
                  </td>
                  <td className="num" data-field="credit">
                    {line.direction === 'CREDIT' ? <Money amount={line.amount} asset={asset} /> : null}
                  </td>
                  <td className="num" data-field="balance">
                    <Money amount={line.balance} asset={asset} />
                  </td>
                </tr>
              );
            })
          )}
          {lastPage ? (
            <EdgeRow
              testId="closing-row"
              day={statement.to}
              label="Closing balance"
              balance={statement.closingBalance}
              asset={asset}
            />
          ) : null}
        </tbody>
      </table>
      <NextPageLink cursor={statement.nextCursor} />
    </>
  );
}
