import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { attempt } from '../action-result.server.js';
import { ActionMessage } from '../components/ActionMessage.js';
import { CopyValue } from '../components/CopyButton.js';
import { Person } from '../components/Person.js';
import { Time } from '../components/Time.js';
import { VerificationForms } from '../components/VerificationForms.js';
import { StatusBadge, Timeline, timelineActorIds } from '../components/Timeline.js';
import { useLiveResource } from '../live.js';
import { loadOr404 } from '../not-found.server.js';
import { requireUser } from '../session.server.js';
import { StatementLink } from '../components/StatementLink.js';
import { TemporalUiLink } from '../components/TemporalUiLink.js';
import { temporalUiLink } from '../temporal-ui.server.js';
import { Stepper } from '../components/Stepper.js';
import { BANK_ACCOUNT_STEPS } from '../lifecycle-steps.js';

export const meta: MetaFunction = () => [{ title: 'Bank account · backoffice · clearhouse' }];

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const user = requireUser(context, request, ['operations', 'aml_officer', 'admin', 'auditor']);
  const account = await loadOr404(() => context.services.bankAccounts.get(user, params.id ?? ''));
  const people = await context.services.people([
    account.clientId,
    account.verifiedBy,
    ...timelineActorIds(account.timeline),
  ]);
  return { account, temporalUi: temporalUiLink(account.workflowId), people };
}

export async function action({ context, request, params }: ActionFunctionArgs) {
  const user = requireUser(context, request, ['operations', 'admin']);
  const form = await request.formData();
  const id = params.id ?? '';
  const text = (name: string) => String(form.get(name) ?? '').trim();
  switch (form.get('intent')) {
    case 'verify':
      return attempt(
        () =>
          context.services.bankAccounts.verify(user, id, { note: text('note') || null }, context.requestId),
        'Verified: withdrawals to this account are possible now.',
      );
    case 'reject':
      return attempt(
        () => context.services.bankAccounts.reject(user, id, { reason: text('reason') }, context.requestId),
        'Rejected.',
      );
    default:
      return { ok: false as const, error: 'Unknown action.', code: 'validation_failed' };
  }
}

export default function OpsBankAccount() {
  const { account: rendered, temporalUi, people } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const busy = navigation.state === 'submitting';
  const { value: account } = useLiveResource(rendered, `/api/v1/bank-accounts/${rendered.id}/events`);
  return (
    <>
      <p>
        <Link to="/ops/tasks">← Task inbox</Link> · <Link to="/ops/bank-accounts">Bank accounts</Link>
      </p>
      <h1>
        Bank account {account.ibanDisplay} <StatusBadge status={account.status} />
      </h1>
      <Stepper steps={BANK_ACCOUNT_STEPS.steps} ended={BANK_ACCOUNT_STEPS.ended} status={account.status} />
      <TemporalUiLink href={temporalUi} />
      <ActionMessage result={result} />
      <div className="row" style={{ alignItems: 'flex-start' }}>
        <section className="card" style={{ flex: 1 }}>
          <h2>Details</h2>
          <dl className="kv">
            <dt>Client</dt>
            <dd>
              <Person people={people} id={account.clientId} />
              {people[account.clientId] ? (
                <span className="muted"> · {people[account.clientId]!.email}</span>
              ) : null}
              <StatementLink clientId={account.clientId} />
            </dd>
            <dt>Account holder</dt>
            <dd>{account.accountName}</dd>
            <dt>IBAN</dt>
            <dd>
              <CopyValue value={account.ibanDisplay} label="IBAN" />
            </dd>
            <dt>BIC</dt>
            <dd>{account.bic}</dd>
            <dt>Bank</dt>
            <dd>
              {account.bankName} ({account.country})
            </dd>
            <dt>Added</dt>
            <dd>
              <Time at={account.createdAt} />
            </dd>
            {account.verifiedAt ? (
              <>
                <dt>Verified</dt>
                <dd>
                  <Time at={account.verifiedAt} />
                  {account.verifiedBy ? (
                    <>
                      {' '}
                      by <Person people={people} id={account.verifiedBy} />
                    </>
                  ) : null}
                  {account.verificationNote ? ` · ${account.verificationNote}` : ''}
                </dd>
              </>
            ) : null}
            {account.rejectionReason ? (
              <>
                <dt>Rejected</dt>
                <dd>
                  <Time at={account.rejectedAt} /> · {account.rejectionReason}
                </dd>
              </>
            ) : null}
          </dl>
          {account.allowedActions.includes('verify') ? (
            <VerificationForms
              guidance="Check that the account belongs to the client (a statement in their name, a bank letter) before verifying: verified accounts can receive withdrawals."
              rejectQuestion="The client cannot withdraw to this account; to use it they would add it again."
              busy={busy}
            />
          ) : null}
        </section>
        <section className="card" style={{ flex: 1 }}>
          <h2>Timeline</h2>
          <Timeline items={account.timeline} people={people} />
        </section>
      </div>
    </>
  );
}
