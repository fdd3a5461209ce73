export interface TimelineItem {
  at: string;
  from: string | null;
  to: string;
  actor: { id: string; role: string } | null;
  reason: string | null;
}

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge ${status}`}>{status.replaceAll('_', ' ')}</span>;
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  // A fixed, unambiguous format that renders the same on server and client (no hydration mismatch).
  return iso
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z')
    .replace(/Z$/, ' UTC');
}

/** Every transition with its time, who made it and why, oldest first. */
export function Timeline({ items }: { items: TimelineItem[] }) {
  if (items.length === 0) return <p className="muted">No events yet.</p>;
  return (
    <ol className="timeline" aria-label="Timeline">
      {items.map((item, index) => (
        <li key={`${item.at}-${index}`} data-status={item.to}>
          <div>
            {item.from ? (
              <>
                <StatusBadge status={item.from} /> →{' '}
              </>
            ) : null}
            <StatusBadge status={item.to} />
          </div>
          <div className="muted">
            {formatTime(item.at)} ·{' '}
            {item.actor ? `${item.actor.role} ${item.actor.id.slice(0, 8)}` : 'system'}
          </div>
          {item.reason ? <div>{item.reason}</div> : null}
        </li>
      ))}
    </ol>
  );
}
