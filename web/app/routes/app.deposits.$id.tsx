import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { attempt } from '../action-result.server.js';
import { Countdown } from '../components/Countdown.js';
import { StatusBadge, Timeline, formatTime } from '../components/Timeline.js';
import { useLiveResource } from '../live.js';
import { loadOr404 } from '../not-found.server.js';
import { requireUser } from '../session.server.js';

export const meta: MetaFunction = () => [{ title: 'Deposit · clearhouse' }];

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const user = requireUser(context, request, ['client']);
  const deposit = await loadOr404(() => context.services.deposits.get(user, params.id ?? ''));
  return { deposit, renderedAt: new Date().toISOString() };
}

export async function action({ context, request, params }: ActionFunctionArgs) {
  const user = requireUser(context, request, ['client']);
  return attempt(
    () => context.services.deposits.cancel(user, params.id ?? '', context.requestId),
    'Deposit cancelled.',
  );
}

export default function DepositPage() {
  const { deposit: rendered, renderedAt } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const { value: deposit, live } = useLiveResource(rendered, `/api/v1/deposits/${rendered.id}/events`);
  return (
    <>
      <p>
        <Link to="/app/deposits">← Deposits</Link>
      </p>
      <h1>
        Deposit {deposit.amount} {deposit.currency} <StatusBadge status={deposit.status} />
      </h1>
      <p className="muted" aria-live="polite">
        {live ? 'Live: this page updates by itself.' : 'Reload to see changes.'}
      </p>
      <div className="row" style={{ alignItems: 'flex-start' }}>
        <section className="card" style={{ flex: 1 }}>
          <h2>Wire instructions</h2>
          <dl className="kv">
            <dt>Beneficiary</dt>
            <dd>{deposit.instructions.beneficiary}</dd>
            <dt>IBAN</dt>
            <dd>{deposit.instructions.iban}</dd>
            <dt>BIC</dt>
            <dd>{deposit.instructions.bic}</dd>
            <dt>Reference</dt>
            <dd>
              <strong data-testid="reference">{deposit.instructions.reference}</strong> (put it in the
              transfer's remittance field)
            </dd>
            <dt>Amount</dt>
            <dd>
              {deposit.amount} {deposit.currency}
            </dd>
          </dl>
          <h2>Status</h2>
          <dl className="kv">
            <dt>Status</dt>
            <dd data-testid="status">{deposit.status}</dd>
            <dt>Received</dt>
            <dd>{deposit.receivedAmount ? `${deposit.receivedAmount} ${deposit.currency}` : '—'}</dd>
            {deposit.holdUntil && (deposit.status === 'ON_HOLD' || deposit.status === 'AML_REVIEW') ? (
              <>
                <dt>Held until</dt>
                <dd>
                  {formatTime(deposit.holdUntil)} (
                  <Countdown until={deposit.holdUntil} renderedAt={renderedAt} />)
                </dd>
              </>
            ) : null}
          </dl>
          {deposit.status === 'PENDING' ? (
            <Form method="post">
              <button type="submit" className="danger">
                Cancel this deposit
              </button>
            </Form>
          ) : null}
          {result && !result.ok ? <p className="error">{result.error}</p> : null}
          {result && result.ok ? <p className="ok">{result.message}</p> : null}
        </section>
        <section className="card" style={{ flex: 1 }}>
          <h2>Timeline</h2>
          <Timeline items={deposit.timeline} />
        </section>
      </div>
    </>
  );
}
