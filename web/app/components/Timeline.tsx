import { formatUtc } from '../amounts.js';
import { idsMentioned } from '../text-tokens.js';
import { Person, type People } from './Person.js';
import { RichText } from './RichText.js';
import { Time } from './Time.js';

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

/** Plain UTC text of an instant (attributes, CSV); on a page prefer <Time>, which shows local time. */
export function formatTime(iso: string | null | undefined): string {
  return formatUtc(iso);
}

/** Every transition with its time, who made it (by name, from `people`) and why, oldest first. */
export function Timeline({ items, people }: { items: TimelineItem[]; people?: People }) {
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
            <Time at={item.at} /> ·{' '}
            {item.actor ? <Person people={people} id={item.actor.id} role={item.actor.role} /> : 'system'}
          </div>
          {item.reason ? (
            <div>
              <RichText text={item.reason} people={people} />
            </div>
          ) : null}
        </li>
      ))}
    </ol>
  );
}

/**
 * The ids of everyone a timeline names, for the loader's people lookup: each actor and the ids its
 * reasons mention ("first approved by <id>"), which <RichText> shows by name.
 */
export function timelineActorIds(items: readonly TimelineItem[]): string[] {
  return [
    ...items.flatMap((item) => (item.actor ? [item.actor.id] : [])),
    ...idsMentioned(items.map((item) => item.reason)),
  ];
}
