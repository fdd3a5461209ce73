import {
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type MetaFunction,
  type SerializeFrom,
} from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { groupIban } from '../../../domain/withdrawal.js';
import { attempt } from '../action-result.server.js';
import { ConfirmButton } from '../components/ConfirmButton.js';
import { ActionMessage } from '../components/ActionMessage.js';
import { CopyValue } from '../components/CopyButton.js';
import { Money } from '../components/Money.js';
import { Person, type People } from '../components/Person.js';
import { Time } from '../components/Time.js';
import { RichText } from '../components/RichText.js';
import { StatusBadge, Timeline, timelineActorIds } from '../components/Timeline.js';
import { idsMentioned } from '../text-tokens.js';
import { useLiveResource } from '../live.js';
import { loadOr404 } from '../not-found.server.js';
import { requireUser } from '../session.server.js';
import { StatementLink } from '../components/StatementLink.js';
import { TemporalUiLink } from '../components/TemporalUiLink.js';
import { temporalUiLink } from '../temporal-ui.server.js';
import { Stepper } from '../components/Stepper.js';
import { WITHDRAWAL_STEPS } from '../lifecycle-steps.js';

export const meta: MetaFunction = () => [{ title: 'Withdrawal · backoffice · clearhouse' }];

const READERS = ['operations', 'aml_officer', 'admin', 'auditor'] as const;

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const user = requireUser(context, request, READERS);
  const withdrawal = await loadOr404(() => context.services.withdrawals.get(user, params.id ?? ''));
  const people = await context.services.people([
    withdrawal.clientId,
    ...withdrawal.approvals.map((a) => a.actor.id),
    ...timelineActorIds(withdrawal.timeline),
    ...idsMentioned((withdrawal.openTasks ?? []).map((task) => task.summary)),
  ]);
  return { withdrawal, temporalUi: temporalUiLink(withdrawal.workflowId), people, me: user.id };
}

/** The contract's refusals in words. */
const ERROR_WORDS: Record<string, string> = {
  self_approval: 'You requested this withdrawal yourself (or it is yours): someone else must approve it.',
  already_approved_by_you:
    'You have already approved this withdrawal. Four eyes: a second, different person must approve it.',
  forbidden: 'Your role may not decide on withdrawals.',
};

export async function action({ context, request, params }: ActionFunctionArgs) {
  // Auditors read this page (READERS) but never post to it: sent home, like every other page.
  const user = requireUser(context, request, ['operations', 'aml_officer', 'admin']);
  const form = await request.formData();
  const id = params.id ?? '';
  const text = (name: string) => String(form.get(name) ?? '').trim();
  const withdrawals = context.services.withdrawals;
  let result;
  switch (form.get('intent')) {
    case 'approve':
      result = await attempt(
        () => withdrawals.approve(user, id, { note: text('note') || null }, context.requestId),
        'Approved.',
      );
      break;
    case 'reject':
      result = await attempt(
        () => withdrawals.reject(user, id, { reason: text('reason') }, context.requestId),
        'Rejected; the reserved amount is released.',
      );
      break;
    default:
      return { ok: false as const, error: 'Unknown action.', code: 'validation_failed' };
  }
  if (!result.ok && ERROR_WORDS[result.code]) return { ...result, error: ERROR_WORDS[result.code]! };
  if (!result.ok && result.fields?.reason) return { ...result, error: 'Give a reason for the rejection.' };
  return result;
}

type Withdrawal = SerializeFrom<typeof loader>['withdrawal'];

export default function OpsWithdrawal() {
  const { withdrawal: rendered, temporalUi, people, me } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const busy = navigation.state === 'submitting';
  const { value: withdrawal } = useLiveResource(rendered, `/api/v1/withdrawals/${rendered.id}/events`);
  return (
    <>
      <p>
        <Link to="/ops/tasks">← Task inbox</Link> · <Link to="/ops/withdrawals">All withdrawals</Link>
      </p>
      <h1>
        Withdrawal <Money amount={withdrawal.amount} asset={withdrawal.currency} />{' '}
        <StatusBadge status={withdrawal.status} />
      </h1>
      <Stepper steps={WITHDRAWAL_STEPS.steps} ended={WITHDRAWAL_STEPS.ended} status={withdrawal.status} />
      <TemporalUiLink href={temporalUi} />
      <ActionMessage result={result} />
      <div className="row" style={{ alignItems: 'flex-start' }}>
        <section className="card" style={{ flex: 1 }}>
          <h2>Details</h2>
          <WithdrawalFacts withdrawal={withdrawal} people={people} />
          <Approvals withdrawal={withdrawal} people={people} me={me} />
          <DecisionForms allowedActions={withdrawal.allowedActions} busy={busy} />
        </section>
        <section className="card" style={{ flex: 1 }}>
          <h2>Timeline</h2>
          <Timeline items={withdrawal.timeline} people={people} />
          <OpenTasks tasks={withdrawal.openTasks} people={people} />
        </section>
      </div>
    </>
  );
}

function WithdrawalFacts({ withdrawal, people }: { withdrawal: Withdrawal; people: People }) {
  const account = withdrawal.bankAccount;
  return (
    <dl className="kv">
      <dt>Status</dt>
      <dd data-testid="status">{withdrawal.status}</dd>
      <dt>Client</dt>
      <dd>
        <Person people={people} id={withdrawal.clientId} />
        {people[withdrawal.clientId] ? (
          <span className="muted"> · {people[withdrawal.clientId]!.email}</span>
        ) : null}
        <StatementLink clientId={withdrawal.clientId} />
      </dd>
      <dt>Amount</dt>
      <dd>
        <Money amount={withdrawal.amount} asset={withdrawal.currency} />
      </dd>
      <dt>Pay to</dt>
      <dd>
        {account ? (
          <>
            {account.accountName}, {account.bankName} ({account.country}) ·{' '}
            <CopyValue value={groupIban(account.iban)} label="IBAN" /> · {account.bic}
          </>
        ) : (
          '—'
        )}
      </dd>
      <dt>Requested</dt>
      <dd>
        <Time at={withdrawal.createdAt} />
      </dd>
      <dt>Approval due</dt>
      <dd>
        <Time at={withdrawal.approvalDueAt} />
        {withdrawal.escalatedAt ? (
          <strong className="error">
            {' '}
            · overdue, escalated <Time at={withdrawal.escalatedAt} />
          </strong>
        ) : null}
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
  );
}

/** The four-eyes rule that applies, what is still needed and who has approved so far. */
function Approvals({ withdrawal, people, me }: { withdrawal: Withdrawal; people: People; me: string }) {
  const pending = withdrawal.status === 'PENDING_APPROVAL';
  const approvedByMe = withdrawal.approvals.some((a) => a.actor.id === me);
  return (
    <>
      <h2>Approvals</h2>
      <p data-testid="approval-summary">
        {withdrawal.approvalsRequired === 2
          ? 'Four eyes: two different people must approve (at or above the threshold).'
          : 'One approval is enough.'}{' '}
        {pending
          ? withdrawal.secondApproverNeeded
            ? 'A second approver is needed.'
            : `${withdrawal.approvalsMissing} approval${withdrawal.approvalsMissing === 1 ? '' : 's'} needed.`
          : null}
      </p>
      {withdrawal.approvals.length === 0 ? (
        <p className="muted">No approvals yet.</p>
      ) : (
        <ol data-testid="approvals">
          {withdrawal.approvals.map((a) => (
            <li key={`${a.actor.id}-${a.at}`}>
              {a.actor.id === me ? 'You' : <Person people={people} id={a.actor.id} role={a.actor.role} />} ·{' '}
              <Time at={a.at} />
              {a.note ? ` — ${a.note}` : ''}
            </li>
          ))}
        </ol>
      )}
      {pending && approvedByMe ? (
        <p className="muted">You have approved; a different person must give the second approval.</p>
      ) : null}
    </>
  );
}

function DecisionForms({
  allowedActions,
  busy,
}: {
  allowedActions: Withdrawal['allowedActions'];
  busy: boolean;
}) {
  return (
    <>
      {allowedActions.includes('approve') ? (
        <Form method="post" className="row" aria-label="Approve">
          <label>
            Note (optional)
            <input name="note" maxLength={500} />
          </label>
          <button type="submit" name="intent" value="approve" disabled={busy}>
            Approve withdrawal
          </button>
        </Form>
      ) : null}
      {allowedActions.includes('reject') ? (
        <Form method="post" className="row" aria-label="Reject">
          <ConfirmButton
            label="Reject withdrawal…"
            question="Nothing is paid out and the reserved amount goes back to the client's balance. This cannot be undone."
            confirmLabel={busy ? 'Rejecting…' : 'Yes, reject the withdrawal'}
            name="intent"
            value="reject"
          >
            <label>
              Reason
              <input name="reason" required maxLength={500} />
            </label>
          </ConfirmButton>
        </Form>
      ) : null}
    </>
  );
}

function OpenTasks({ tasks, people }: { tasks: Withdrawal['openTasks']; people: People }) {
  if (!tasks || tasks.length === 0) return null;
  return (
    <>
      <h2>Open tasks</h2>
      <ul>
        {tasks.map((task) => (
          <li key={task.id}>
            {task.summary ? <RichText text={task.summary} people={people} /> : task.kind} · {task.status}
            {task.priority > 0 ? ` · priority ${task.priority}` : ''} · due <Time at={task.dueAt} />
          </li>
        ))}
      </ul>
    </>
  );
}
