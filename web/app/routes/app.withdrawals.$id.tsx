import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { groupIban } from '../../../domain/withdrawal.js';
import { attempt } from '../action-result.server.js';
import { ActionMessage } from '../components/ActionMessage.js';
import { ConfirmButton } from '../components/ConfirmButton.js';
import { CopyValue } from '../components/CopyButton.js';
import { Money } from '../components/Money.js';
import { Time } from '../components/Time.js';
import { StatusBadge, Timeline, timelineActorIds } from '../components/Timeline.js';
import { useLiveResource } from '../live.js';
import { useNamesFor } from '../live-people.js';
import { loadOr404 } from '../not-found.server.js';
import { requireUser } from '../session.server.js';

export const meta: MetaFunction = () => [{ title: 'Withdrawal · clearhouse' }];

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const user = requireUser(context, request, ['client']);
  const withdrawal = await loadOr404(() => context.services.withdrawals.get(user, params.id ?? ''));
  // Who acted on it, by name, never by id.
  const people = await context.services.people(timelineActorIds(withdrawal.timeline));
  return { withdrawal, people };
}

export async function action({ context, request, params }: ActionFunctionArgs) {
  const user = requireUser(context, request, ['client']);
  return attempt(
    () => context.services.withdrawals.cancel(user, params.id ?? '', context.requestId),
    'Withdrawal cancelled; the amount is available again.',
  );
}

const STATUS_WORDS: Record<string, string> = {
  PENDING_APPROVAL: 'Waiting for approval. The amount is reserved on your balance.',
  PROCESSING: 'Approved; the payment to your bank is under way.',
  COMPLETED: 'Paid out to your bank account.',
  FAILED: 'Your bank could not receive the payment; the amount is available again.',
  REJECTED: 'Rejected; the amount is available again.',
  CANCELLED: 'Cancelled; the amount is available again.',
};

export default function WithdrawalPage() {
  const { withdrawal: rendered, people } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const { value: withdrawal, live } = useLiveResource(rendered, `/api/v1/withdrawals/${rendered.id}/events`);
  useNamesFor(people, timelineActorIds(withdrawal.timeline));
  const account = withdrawal.bankAccount;
  return (
    <>
      <p>
        <Link to="/app/withdrawals">← Withdrawals</Link>
      </p>
      <h1>
        Withdrawal <Money amount={withdrawal.amount} asset={withdrawal.currency} />{' '}
        <StatusBadge status={withdrawal.status} />
      </h1>
      <p className="muted" aria-live="polite">
        {live ? 'Live: this page updates by itself.' : 'Reload to see changes.'}
      </p>
      <div className="row" style={{ alignItems: 'flex-start' }}>
        <section className="card" style={{ flex: 1 }}>
          <h2>Details</h2>
          <dl className="kv">
            <dt>Status</dt>
            <dd data-testid="status">{withdrawal.status}</dd>
            <dt>What it means</dt>
            <dd>{STATUS_WORDS[withdrawal.status] ?? ''}</dd>
            <dt>Amount</dt>
            <dd data-testid="amount">
              <Money amount={withdrawal.amount} asset={withdrawal.currency} />
            </dd>
            <dt>To</dt>
            <dd>
              {account ? (
                <>
                  {account.accountName}, {account.bankName} ·{' '}
                  <CopyValue value={groupIban(account.iban)} label="IBAN" /> ({account.bic})
                </>
              ) : (
                '—'
              )}
            </dd>
            <dt>Requested</dt>
            <dd>
              <Time at={withdrawal.createdAt} />
            </dd>
            <dt>Approvals</dt>
            <dd data-testid="approvals">
              {withdrawal.approvals.length} of {withdrawal.approvalsRequired}
            </dd>
            {withdrawal.bankReference ? (
              <>
                <dt>Bank reference</dt>
                <dd>
                  <CopyValue value={withdrawal.bankReference} label="bank reference" />
                </dd>
              </>
            ) : null}
            {withdrawal.failureReason ? (
              <>
                <dt>Reason</dt>
                <dd>{withdrawal.failureReason}</dd>
              </>
            ) : null}
          </dl>
          {withdrawal.allowedActions.includes('cancel') ? (
            <Form method="post">
              <ConfirmButton
                label="Cancel this withdrawal…"
                question="The withdrawal is cancelled and the amount is available on your balance again. A cancelled withdrawal cannot be resumed."
                confirmLabel={navigation.state === 'submitting' ? 'Cancelling…' : 'Yes, cancel it'}
              />
            </Form>
          ) : null}
          <ActionMessage result={result} />
        </section>
        <section className="card" style={{ flex: 1 }}>
          <h2>Timeline</h2>
          <Timeline items={withdrawal.timeline} people={people} />
        </section>
      </div>
    </>
  );
}
