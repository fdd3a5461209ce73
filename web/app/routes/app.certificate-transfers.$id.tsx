import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { attempt } from '../action-result.server.js';
import { ConfirmButton } from '../components/ConfirmButton.js';
import { ActionMessage } from '../components/ActionMessage.js';
import { StatusBadge, Timeline, formatTime, timelineActorIds } from '../components/Timeline.js';
import { useLiveResource } from '../live.js';
import { loadOr404 } from '../not-found.server.js';
import { requireUser } from '../session.server.js';

export const meta: MetaFunction = () => [{ title: 'Certificate transfer · clearhouse' }];

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const user = requireUser(context, request, ['client']);
  const transfer = await loadOr404(() => context.services.certificateTransfers.get(user, params.id ?? ''));
  const people = await context.services.people(timelineActorIds(transfer.timeline));
  return { transfer, people };
}

export async function action({ context, request, params }: ActionFunctionArgs) {
  const user = requireUser(context, request, ['client']);
  return attempt(
    () => context.services.certificateTransfers.cancel(user, params.id ?? '', context.requestId),
    'Transfer cancelled.',
  );
}

const STATUS_WORDS: Record<string, string> = {
  PENDING_RECEIPT:
    'Waiting for the certificates to arrive at our registry account (use the reference below).',
  PENDING_APPROVAL: 'Waiting for approval. The certificates are reserved.',
  PROCESSING: 'Approved; the registry is delivering the certificates to your account.',
  COMPLETED: 'Done.',
  FAILED: 'The registry refused the delivery; the certificates are available again.',
  REJECTED: 'Rejected.',
  CANCELLED: 'Cancelled.',
};

export default function CertificateTransferPage() {
  const { transfer: rendered, people } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  const { value: transfer, live } = useLiveResource(
    rendered,
    `/api/v1/certificate-transfers/${rendered.id}/events`,
  );
  return (
    <>
      <p>
        <Link to="/app/certificate-transfers">← Certificate transfers</Link>
      </p>
      <h1>
        Transfer {transfer.direction === 'IN' ? 'in' : 'out'} of {transfer.quantity} {transfer.asset}{' '}
        <StatusBadge status={transfer.status} />
      </h1>
      <p className="muted" aria-live="polite">
        {live ? 'Live: this page updates by itself.' : 'Reload to see changes.'}
      </p>
      <div className="row" style={{ alignItems: 'flex-start' }}>
        <section className="card" style={{ flex: 1 }}>
          <h2>Details</h2>
          <dl className="kv">
            <dt>Status</dt>
            <dd data-testid="status">{transfer.status}</dd>
            <dt>What it means</dt>
            <dd>{STATUS_WORDS[transfer.status] ?? ''}</dd>
            <dt>Quantity</dt>
            <dd>
              {transfer.quantity} {transfer.asset}
              {transfer.receivedQuantity ? ` (received ${transfer.receivedQuantity} ${transfer.asset})` : ''}
            </dd>
            <dt>Your registry account</dt>
            <dd>
              {transfer.registryAccount
                ? `${transfer.registryAccount.accountId} (${transfer.registryAccount.registry})`
                : '—'}
            </dd>
            <dt>Reference</dt>
            <dd>{transfer.reference}</dd>
            <dt>Requested</dt>
            <dd>{formatTime(transfer.createdAt)}</dd>
            {transfer.direction === 'OUT' ? (
              <>
                <dt>Approvals</dt>
                <dd>
                  {transfer.approvals.length} of {transfer.approvalsRequired}
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
          {transfer.allowedActions.includes('cancel') ? (
            <Form method="post">
              <ConfirmButton
                label="Cancel this transfer…"
                question="The transfer is cancelled and cannot be resumed; reserved certificates are available again."
                confirmLabel={busy ? 'Cancelling…' : 'Yes, cancel the transfer'}
              />
            </Form>
          ) : null}
          <ActionMessage result={result} />
        </section>
        <section className="card" style={{ flex: 1 }}>
          <h2>Timeline</h2>
          <Timeline items={transfer.timeline} people={people} />
        </section>
      </div>
    </>
  );
}
