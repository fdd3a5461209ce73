import { useEffect, useState } from 'react';

/**
 * A value to copy (IBAN, reference) with a button that puts it on the clipboard. Without JavaScript
 * the value is still there to select; the button appears only once it can work.
 */
export function CopyValue({ value, label, testId }: { value: string; label: string; testId?: string }) {
  const [ready, setReady] = useState(false);
  const [copied, setCopied] = useState(false);
  useEffect(() => setReady(typeof navigator !== 'undefined' && !!navigator.clipboard), []);
  async function copy() {
    try {
      await navigator.clipboard.writeText(value);
      setCopied(true);
      setTimeout(() => setCopied(false), 2000);
    } catch {
      setCopied(false);
    }
  }
  return (
    <span className="copy-value">
      <code data-testid={testId}>{value}</code>
      {ready ? (
        <button type="button" className="link copy" onClick={copy} aria-label={`Copy ${label}`}>
          {copied ? 'Copied' : 'Copy'}
        </button>
      ) : null}
      <span className="visually-hidden" aria-live="polite">
        {copied ? `${label} copied` : ''}
      </span>
    </span>
  );
}
