import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { attempt } from '../action-result.server.js';
import { ActionMessage } from '../components/ActionMessage.js';
import { VerificationForms } from '../components/VerificationForms.js';
import { StatusBadge, Timeline, formatTime, timelineActorIds } from '../components/Timeline.js';
import { useLiveResource } from '../live.js';
import { loadOr404 } from '../not-found.server.js';
import { requireUser } from '../session.server.js';
import { StatementLink } from '../components/StatementLink.js';
import { TemporalUiLink } from '../components/TemporalUiLink.js';
import { temporalUiLink } from '../temporal-ui.server.js';

export const meta: MetaFunction = () => [{ title: 'Registry account · backoffice · clearhouse' }];

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const user = requireUser(context, request, ['operations', 'admin', 'auditor']);
  const account = await loadOr404(() => context.services.registryAccounts.get(user, params.id ?? ''));
  const people = await context.services.people(timelineActorIds(account.timeline));
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
          context.services.registryAccounts.verify(
            user,
            id,
            { note: text('note') || null },
            context.requestId,
          ),
        'Verified: the registry confirmed the account; certificate transfers with it are possible now.',
      );
    case 'reject':
      return attempt(
        () =>
          context.services.registryAccounts.reject(user, id, { reason: text('reason') }, context.requestId),
        'Rejected.',
      );
    default:
      return { ok: false as const, error: 'Unknown action.', code: 'validation_failed' };
  }
}

export default function OpsRegistryAccount() {
  const { account: rendered, temporalUi, people } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  const { value: account } = useLiveResource(rendered, `/api/v1/registry-accounts/${rendered.id}/events`);
  return (
    <>
      <p>
        <Link to="/ops/tasks">← Task inbox</Link> · <Link to="/ops/registry-accounts">Registry accounts</Link>
      </p>
      <h1>
        Registry account {account.accountId} <StatusBadge status={account.status} />
      </h1>
      <TemporalUiLink href={temporalUi} />
      <ActionMessage result={result} />
      <div className="row" style={{ alignItems: 'flex-start' }}>
        <section className="card" style={{ flex: 1 }}>
          <h2>Details</h2>
          <dl className="kv">
            <dt>Client</dt>
            <dd>
              {account.clientEmail ?? ''} ({account.clientId})
              <StatementLink clientId={account.clientId} />
            </dd>
            <dt>Registry</dt>
            <dd>{account.registry === 'EU' ? 'EU Union Registry' : 'China national registry'}</dd>
            <dt>Account id</dt>
            <dd>{account.accountId}</dd>
            <dt>Holder (as the client gave it)</dt>
            <dd>{account.holderName}</dd>
            <dt>Added</dt>
            <dd>{formatTime(account.createdAt)}</dd>
            {account.verifiedAt ? (
              <>
                <dt>Verified</dt>
                <dd>
                  {formatTime(account.verifiedAt)}
                  {account.verificationNote ? ` · ${account.verificationNote}` : ''}
                  {account.registryHolderName ? ` · the registry names ${account.registryHolderName}` : ''}
                </dd>
              </>
            ) : null}
            {account.rejectionReason ? (
              <>
                <dt>Rejected</dt>
                <dd>
                  {formatTime(account.rejectedAt)} · {account.rejectionReason}
                </dd>
              </>
            ) : null}
          </dl>
          {account.allowedActions.includes('verify') ? (
            <VerificationForms
              guidance="Verifying asks the registry whether the account exists; check that it is the client’s (the holder name, the account opening documents) before verifying."
              rejectQuestion="No certificates move to or from this registry account; the client would register it again."
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
