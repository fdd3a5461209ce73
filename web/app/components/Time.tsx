import { useEffect, useState } from 'react';
import { formatLocal, formatUtc, relativeAge } from '../amounts.js';

/**
 * An instant: rendered in UTC on the server (the same text the browser hydrates), then, once
 * JavaScript runs, in the viewer's own time zone with its age ("3 hours ago"). The exact UTC
 * instant stays in the title and the `dateTime` attribute.
 */
export function Time({ at, age = true }: { at: string | null | undefined; age?: boolean }) {
  const [local, setLocal] = useState<{ text: string; age: string } | null>(null);
  useEffect(() => {
    if (!at) return;
    const update = () => setLocal({ text: formatLocal(at), age: relativeAge(at, Date.now()) });
    update();
    // Ages change while the page is open; a minute is their finest unit.
    const timer = setInterval(update, 60_000);
    return () => clearInterval(timer);
  }, [at]);
  if (!at) return <span>—</span>;
  return (
    <time dateTime={at} title={formatUtc(at)}>
      {local ? local.text : formatUtc(at)}
      {age && local && local.age ? <span className="muted"> ({local.age})</span> : null}
    </time>
  );
}
