// The verify and reject forms of an account waiting for verification (bank accounts, registry
// accounts): a note with Verify, a reason behind a confirmation with Reject. Plain forms posting
// `intent`, so they work without JavaScript; the page's action does the rest.
import type { ReactNode } from 'react';
import { Form } from '@remix-run/react';
import { ConfirmButton } from './ConfirmButton.js';

export function VerificationForms(props: {
  /** What to check before verifying, in the page's words. */
  guidance: ReactNode;
  /** What a rejection means for the client (the confirmation's question). */
  rejectQuestion: string;
  busy: boolean;
}) {
  const { guidance, rejectQuestion, busy } = props;
  return (
    <div className="stack" aria-label="Verification">
      <h2>Verification</h2>
      <p className="muted">{guidance}</p>
      <Form method="post" className="row">
        <label>
          Note
          <input name="note" maxLength={500} size={40} placeholder="How it was checked" />
        </label>
        <button type="submit" name="intent" value="verify" disabled={busy}>
          Verify
        </button>
      </Form>
      <Form method="post" className="row">
        <ConfirmButton
          label="Reject…"
          question={rejectQuestion}
          confirmLabel={busy ? 'Rejecting…' : 'Yes, reject the account'}
          name="intent"
          value="reject"
        >
          <label>
            Reason
            <input name="reason" required maxLength={500} size={40} />
          </label>
        </ConfirmButton>
      </Form>
    </div>
  );
}
