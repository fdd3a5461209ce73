// A notification's message and read cells, as both notification pages show them (the client's
// /app/notifications and staff's /ops/notifications): unread marked with ●, a link to what it is
// about, and "Mark read" as a plain form post.
import { Form, Link } from '@remix-run/react';
import { formatTime } from './Timeline.js';

interface NotificationItem {
  id: string;
  title: string;
  body: string;
  link: string | null;
  readAt: string | null;
}

export function NotificationCells({ item, busy }: { item: NotificationItem; busy: boolean }) {
  return (
    <>
      <td>
        <strong>{item.readAt ? item.title : `● ${item.title}`}</strong>
        <div>{item.body}</div>
        {item.link ? <Link to={item.link}>Open</Link> : null}
      </td>
      <td>
        {item.readAt ? (
          <span className="muted">read {formatTime(item.readAt)}</span>
        ) : (
          <Form method="post">
            <input type="hidden" name="id" value={item.id} />
            <button type="submit" name="intent" value="read" className="secondary" disabled={busy}>
              Mark read
            </button>
          </Form>
        )}
      </td>
    </>
  );
}
