// The actions on one reconciliation break as plain form posts (they work without JavaScript;
// dismissal, adjustment and approval ask first): match by hand (a statement's break only), dismiss
// with a reason, propose an adjustment, or approve another operator's. Used by a statement's page
// and by the page of an internal run's break; both post to their own route's action
// (web/app/reconciliation-break-actions.server.ts).
import { Form } from '@remix-run/react';
import { formatMoney } from '../amounts.js';
import { ConfirmButton } from './ConfirmButton.js';

interface Break {
  id: string;
  status: string;
  difference: string;
  asset: string;
  resolvedBy: string | null;
}

export function BreakActions({
  b,
  open,
  userId,
  canMatch,
  canAdjust,
}: {
  b: Break;
  /** The lifecycle still takes resolutions (BREAKS_OPEN, DIFFERENCES). */
  open: boolean;
  userId: string;
  canMatch: boolean;
  canAdjust: boolean;
}) {
  if (b.status === 'OPEN' && open)
    return (
      <div className="stack">
        {canMatch ? (
          <Form method="post" className="row" aria-label="Match by hand">
            <input type="hidden" name="breakId" value={b.id} />
            <input name="entryIds" placeholder="ledger entry ids" required />
            <button type="submit" name="intent" value="match" className="secondary">
              Match by hand
            </button>
          </Form>
        ) : null}
        <Form method="post">
          <input type="hidden" name="breakId" value={b.id} />
          <input type="hidden" name="intent" value="dismiss" />
          <ConfirmButton
            label="Dismiss…"
            question="The break is closed with your reason; nothing is posted."
            confirmLabel="Yes, dismiss it"
          >
            <label>
              Reason
              <textarea name="reason" required />
            </label>
          </ConfirmButton>
        </Form>
        {canAdjust && b.difference.replace(/[-0.]/g, '') !== '' ? (
          <Form method="post">
            <input type="hidden" name="breakId" value={b.id} />
            <input type="hidden" name="intent" value="adjust" />
            <ConfirmButton
              label="Adjust…"
              question={`An adjusting entry of ${formatMoney(b.difference, b.asset)} against suspense is proposed; a second operator must approve it before it posts.`}
              confirmLabel="Propose the adjustment"
            >
              <label>
                Why
                <textarea name="note" required />
              </label>
            </ConfirmButton>
          </Form>
        ) : null}
      </div>
    );
  if (b.status === 'PENDING_APPROVAL')
    return b.resolvedBy === userId ? (
      <span className="muted">Waiting for another operator’s approval</span>
    ) : (
      <Form method="post">
        <input type="hidden" name="breakId" value={b.id} />
        <input type="hidden" name="intent" value="approve" />
        <ConfirmButton
          label="Approve the adjustment…"
          question={`The adjusting entry of ${formatMoney(b.difference, b.asset)} is posted to the ledger.`}
          confirmLabel="Yes, post it"
        />
      </Form>
    );
  return null;
}
