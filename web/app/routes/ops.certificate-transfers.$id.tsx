import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { attempt } from '../action-result.server.js';
import { ConfirmButton } from '../components/ConfirmButton.js';
import { ActionMessage } from '../components/ActionMessage.js';
import { Money } from '../components/Money.js';
import { Person } from '../components/Person.js';
import { Time } from '../components/Time.js';
import { StatusBadge, Timeline, timelineActorIds } from '../components/Timeline.js';
import { useLiveResource } from '../live.js';
import { useNamesFor } from '../live-people.js';
import { loadOr404 } from '../not-found.server.js';
import { requireUser } from '../session.server.js';
import { StatementLink } from '../components/StatementLink.js';
import { TemporalUiLink } from '../components/TemporalUiLink.js';
import { temporalUiLink } from '../temporal-ui.server.js';

export const meta: MetaFunction = () => [{ title: 'Certificate transfer · backoffice · clearhouse' }];

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const user = requireUser(context, request, ['operations', 'admin', 'auditor']);
  const transfer = await loadOr404(() => context.services.certificateTransfers.get(user, params.id ?? ''));
  // The client, the approvers and the timeline's actors by name, never their ids.
  const people = await context.services.people([
    transfer.clientId,
    ...transfer.approvals.map((a) => a.actor.id),
    ...timelineActorIds(transfer.timeline),
  ]);
  return { transfer, temporalUi: temporalUiLink(transfer.workflowId), people };
}

export async function action({ context, request, params }: ActionFunctionArgs) {
  const user = requireUser(context, request, ['operations', 'admin']);
  const form = await request.formData();
  const id = params.id ?? '';
  const text = (name: string) => String(form.get(name) ?? '').trim();
  const services = context.services.certificateTransfers;
  switch (form.get('intent')) {
    case 'confirm':
      return attempt(
        () =>
          services.confirm(
            user,
            id,
            { quantity: text('quantity'), note: text('note') || null },
            context.requestId,
          ),
        'Receipt confirmed: the certificates are available to the client.',
      );
    case 'approve':
      return attempt(
        () => services.approve(user, id, { note: text('note') || null }, context.requestId),
        'Approved.',
      );
    case 'reject':
      return attempt(
        () => services.reject(user, id, { reason: text('reason') }, context.requestId),
        'Rejected.',
      );
    default:
      return { ok: false as const, error: 'Unknown action.', code: 'validation_failed' };
  }
}

export default function OpsCertificateTransfer() {
  const { transfer: rendered, temporalUi, people } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  const { value: transfer } = useLiveResource(
    rendered,
    `/api/v1/certificate-transfers/${rendered.id}/events`,
  );
  useNamesFor(people, [...transfer.approvals.map((a) => a.actor.id), ...timelineActorIds(transfer.timeline)]);
  const can = (action: string) => (transfer.allowedActions as readonly string[]).includes(action);
  return (
    <>
      <p>
        <Link to="/ops/tasks">← Task inbox</Link> ·{' '}
        <Link to="/ops/certificate-transfers">Certificate transfers</Link>
      </p>
      <h1>
        Transfer {transfer.direction === 'IN' ? 'in' : 'out'} of{' '}
        <Money amount={transfer.quantity} asset={transfer.asset} /> <StatusBadge status={transfer.status} />
      </h1>
      <TemporalUiLink href={temporalUi} />
      <ActionMessage result={result} />
      <div className="row" style={{ alignItems: 'flex-start' }}>
        <section className="card" style={{ flex: 1 }}>
          <h2>Details</h2>
          <dl className="kv">
            <dt>Client</dt>
            <dd>
              <Person people={people} id={transfer.clientId} />
              <StatementLink clientId={transfer.clientId} />
            </dd>
            <dt>Registry account</dt>
            <dd>
              {transfer.registryAccount
                ? `${transfer.registryAccount.accountId} (${transfer.registryAccount.registry}), ${transfer.registryAccount.holderName}`
                : '—'}
            </dd>
            <dt>Reference</dt>
            <dd>{transfer.reference}</dd>
            <dt>Requested</dt>
            <dd>
              <Time at={transfer.createdAt} />
            </dd>
            {transfer.receivedQuantity ? (
              <>
                <dt>Received</dt>
                <dd>
                  <Money amount={transfer.receivedQuantity} asset={transfer.asset} />
                </dd>
              </>
            ) : null}
            {transfer.direction === 'OUT' ? (
              <>
                <dt>Approvals</dt>
                <dd>
                  {transfer.approvals.length} of {transfer.approvalsRequired}
                  {transfer.approvals.map((a) => (
                    <div key={a.actor.id} className="muted">
                      <Person people={people} id={a.actor.id} role={a.actor.role} /> · <Time at={a.at} />
                      {a.note ? ` · ${a.note}` : ''}
                    </div>
                  ))}
                </dd>
              </>
            ) : null}
            {transfer.registryReference ? (
              <>
                <dt>Registry reference</dt>
                <dd>{transfer.registryReference}</dd>
              </>
            ) : null}
            {transfer.failureReason ? (
              <>
                <dt>Reason</dt>
                <dd>{transfer.failureReason}</dd>
              </>
            ) : null}
          </dl>
          {can('confirm') ? (
            <Form method="post" className="row" aria-label="Confirm receipt">
              <label>
                Received quantity
                <input
                  name="quantity"
                  required
                  inputMode="numeric"
                  pattern="[0-9]+"
                  size={10}
                  defaultValue={transfer.quantity}
                />
              </label>
              <label>
                Note
                <input name="note" maxLength={500} size={30} />
              </label>
              <button type="submit" name="intent" value="confirm" disabled={busy}>
                Confirm receipt
              </button>
            </Form>
          ) : null}
          {can('approve') ? (
            <Form method="post" className="row" aria-label="Approve">
              <label>
                Note
                <input name="note" maxLength={500} size={30} />
              </label>
              <button type="submit" name="intent" value="approve" disabled={busy}>
                Approve
              </button>
            </Form>
          ) : null}
          {can('reject') ? (
            <Form method="post" className="row" aria-label="Reject">
              <ConfirmButton
                label="Reject…"
                question="The transfer ends without moving certificates; reserved ones are released. This cannot be undone."
                confirmLabel={busy ? 'Rejecting…' : 'Yes, reject the transfer'}
                name="intent"
                value="reject"
              >
                <label>
                  Reason
                  <input name="reason" required maxLength={500} size={30} />
                </label>
              </ConfirmButton>
            </Form>
          ) : null}
        </section>
        <section className="card" style={{ flex: 1 }}>
          <h2>Timeline</h2>
          <Timeline items={transfer.timeline} people={people} />
        </section>
      </div>
    </>
  );
}
