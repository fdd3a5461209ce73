import type { ReactNode } from 'react';

/**
 * A destructive action behind a second, explicit step: the first button only opens the question,
 * the second one submits. Built on <details>, so it works with a keyboard and without JavaScript;
 * put it inside the action's <Form> (the inner button is the form's submit).
 */
export function ConfirmButton({
  label,
  question,
  confirmLabel,
  name,
  value,
  children,
}: {
  /** The button as first shown ("Cancel this deposit"). */
  label: string;
  /** What will happen, in a sentence ("The deposit is cancelled and cannot be reopened."). */
  question: string;
  /** The submitting button ("Yes, cancel it"). */
  confirmLabel: string;
  name?: string;
  value?: string;
  /** Fields the action needs (a reason), shown with the question. */
  children?: ReactNode;
}) {
  return (
    <details className="confirm">
      <summary className="button danger" role="button">
        {label}
      </summary>
      <div className="confirm-body" role="group" aria-label={label}>
        <p>{question}</p>
        {children}
        <button type="submit" className="danger" name={name} value={value}>
          {confirmLabel}
        </button>
      </div>
    </details>
  );
}
