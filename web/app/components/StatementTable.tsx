// A statement of one asset as the pages show it (the client's /app/statement, staff's
// /ops/clients/:id/statement): its summary with the downloads, then every line with its running
// balance, the opening and closing balances as rows of their own. Amounts through <Money>.
import { Link } from '@remix-run/react';
import { ACCOUNT_LABELS, STATEMENT_ACCOUNT_LABELS } from '../../../domain/client-statement.js';
import type { StatementView } from '../../../api/services/client-statement.js';
import { Money } from './Money.js';
import { Time } from './Time.js';

type Statement = Omit<StatementView, 'asset'> & { asset: string };
type Line = Statement['lines'][number];

/** The asset and period as a heading, the balances, the count, and the CSV and PDF links. */
export function StatementSummary({
  statement,
  downloadHref,
  headingId,
}: {
  statement: Statement;
  downloadHref: (extension: 'csv' | 'pdf') => string;
  headingId: string;
}) {
  const { asset } = statement;
  return (
    <section className="card" aria-labelledby={headingId}>
      <h2 id={headingId}>
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
        <a className="button secondary" href={downloadHref('csv')} download>
          Download CSV
        </a>
        <a className="button secondary" href={downloadHref('pdf')} download>
          Download PDF
        </a>
      </p>
    </section>
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

/**
 * The lines, oldest first. `onLaterPage`: the opening row belongs to the first page only; the
 * closing row shows on the last (no `nextCursor`). `linkOf`: where a line's lifecycle is read.
 */
export function StatementTable({
  statement,
  onLaterPage,
  linkOf,
}: {
  statement: Statement;
  onLaterPage: boolean;
  linkOf: (subject: Line['subject']) => string | null;
}) {
  const { asset } = statement;
  return (
    <table className="grid" data-testid="statement" data-asset={asset}>
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
          statement.lines.map((line, index) => (
            <StatementLine
              key={`${line.entryId}-${index}`}
              line={line}
              asset={asset}
              href={linkOf(line.subject)}
            />
          ))
        )}
        {statement.nextCursor === null ? (
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
  );
}

function StatementLine({ line, asset, href }: { line: Line; asset: string; href: string | null }) {
  return (
    <tr data-entry-id={line.entryId}>
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
}
