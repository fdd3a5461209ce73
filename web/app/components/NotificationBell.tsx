import { useEffect, useState } from 'react';

/** Where a person's notification centre is: clients in the portal, everyone else in the backoffice. */
export function notificationsPathFor(role: string): string {
  return role === 'client' ? '/app/notifications' : '/ops/notifications';
}

/**
 * The bell in the navigation: a link to the notification list with the unread count the loader
 * rendered. With JavaScript it follows the SSE unread stream (`event: unread` `{ unread }`) and
 * changes by itself; without, the count is the page's and the link does the rest.
 */
export function NotificationBell({ unread, href }: { unread: number; href: string }) {
  const [count, setCount] = useState(unread);
  const [live, setLive] = useState(false);
  // A new page (after marking read, say) brings its own count.
  useEffect(() => setCount(unread), [unread]);
  useEffect(() => {
    const source = new EventSource('/api/v1/notifications/stream', { withCredentials: true });
    source.addEventListener('open', () => setLive(true));
    source.addEventListener('error', () => setLive(false));
    source.addEventListener('unread', (event) => {
      try {
        const data = JSON.parse((event as MessageEvent<string>).data) as { unread?: unknown };
        if (typeof data.unread === 'number' && Number.isInteger(data.unread)) setCount(data.unread);
      } catch {
        /* a malformed event is skipped; the next one carries the whole count again */
      }
    });
    return () => source.close();
  }, []);
  const label = count === 1 ? '1 unread notification' : `${count} unread notifications`;
  return (
    <a
      className="bell"
      href={href}
      aria-label={`Notifications: ${label}`}
      title={label}
      data-testid="notification-bell"
      data-live={live ? 'true' : 'false'}
    >
      <BellIcon />
      <span className={count > 0 ? 'badge unread' : 'badge'} data-testid="unread-count">
        {count}
      </span>
    </a>
  );
}

/**
 * The bell drawn inline: the emoji it replaces is missing from many machines' fonts and rendered as
 * an empty box. Decorative — the link's aria-label says what it is and how many are unread.
 */
function BellIcon() {
  return (
    <svg
      className="bell-icon"
      width="18"
      height="18"
      viewBox="0 0 24 24"
      aria-hidden="true"
      focusable="false"
      fill="none"
      stroke="currentColor"
      strokeWidth="2"
      strokeLinecap="round"
      strokeLinejoin="round"
    >
      <path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9" />
      <path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" />
    </svg>
  );
}
