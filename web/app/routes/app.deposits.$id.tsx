import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { attempt } from '../action-result.server.js';
import { ConfirmButton } from '../components/ConfirmButton.js';
import { CopyValue } from '../components/CopyButton.js';
import { Countdown } from '../components/Countdown.js';
import { Money } from '../components/Money.js';
import { Stepper } from '../components/Stepper.js';
import { Time } from '../components/Time.js';
import { StatusBadge, Timeline, timelineActorIds } from '../components/Timeline.js';
import { DEPOSIT_STEPS } from '../lifecycle-steps.js';
import { useLiveResource } from '../live.js';
import { loadOr404 } from '../not-found.server.js';
import { requireUser } from '../session.server.js';

export const meta: MetaFunction = () => [{ title: 'Deposit · clearhouse' }];

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const user = requireUser(context, request, ['client']);
  const deposit = await loadOr404(() => context.services.deposits.get(user, params.id ?? ''));
  const people = await context.services.people(timelineActorIds(deposit.timeline));
  return { deposit, people, renderedAt: new Date().toISOString() };
}

export async function action({ context, request, params }: ActionFunctionArgs) {
  const user = requireUser(context, request, ['client']);
  return attempt(
    () => context.services.deposits.cancel(user, params.id ?? '', context.requestId),
    'Deposit cancelled.',
  );
}

export default function DepositPage() {
  const { deposit: rendered, people, renderedAt } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const { value: deposit, live } = useLiveResource(rendered, `/api/v1/deposits/${rendered.id}/events`);
  return (
    <>
      <p>
        <Link to="/app/deposits">← Deposits</Link>
      </p>
      <h1>
        Deposit <Money amount={deposit.amount} asset={deposit.currency} />{' '}
        <StatusBadge status={deposit.status} />
      </h1>
      <Stepper steps={DEPOSIT_STEPS.steps} ended={DEPOSIT_STEPS.ended} status={deposit.status} />
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
            <dd>
              <CopyValue value={deposit.instructions.iban} label="IBAN" />
            </dd>
            <dt>BIC</dt>
            <dd>{deposit.instructions.bic}</dd>
            <dt>Reference</dt>
            <dd>
              <CopyValue value={deposit.instructions.reference} label="reference" testId="reference" /> (put
              it in the transfer's remittance field)
            </dd>
            <dt>Amount</dt>
            <dd>
              <Money amount={deposit.amount} asset={deposit.currency} />
            </dd>
          </dl>
          <h2>Status</h2>
          <dl className="kv">
            <dt>Status</dt>
            <dd data-testid="status">{deposit.status}</dd>
            <dt>Received</dt>
            <dd>
              <Money amount={deposit.receivedAmount} asset={deposit.currency} />
            </dd>
            {deposit.holdUntil && (deposit.status === 'ON_HOLD' || deposit.status === 'AML_REVIEW') ? (
              <>
                <dt>Held until</dt>
                <dd>
                  <Time at={deposit.holdUntil} age={false} /> (
                  <Countdown until={deposit.holdUntil} renderedAt={renderedAt} />)
                </dd>
              </>
            ) : null}
          </dl>
          {deposit.status === 'PENDING' ? (
            <Form method="post">
              <ConfirmButton
                label="Cancel this deposit"
                question="The announcement is withdrawn; a wire that arrives later is returned to you."
                confirmLabel="Yes, cancel the deposit"
              />
            </Form>
          ) : null}
          {result && !result.ok ? <p className="error">{result.error}</p> : null}
          {result && result.ok ? <p className="ok">{result.message}</p> : null}
        </section>
        <section className="card" style={{ flex: 1 }}>
          <h2>Timeline</h2>
          <Timeline items={deposit.timeline} people={people} />
        </section>
      </div>
    </>
  );
}
