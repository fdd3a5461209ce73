// The notification centre (clients here; staff and auditors at /ops/notifications, the same module):
// the person's notifications newest first, paged; mark one or all read; what to hear about, per
// event type, in-app and by email. Every button is a plain form post that works without JavaScript.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction, SerializeFrom } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { LOCALES } from '../../../domain/notifications.js';
import { attempt } from '../action-result.server.js';
import { ActionMessage } from '../components/ActionMessage.js';
import { CsvExportLink } from '../components/ListControls.js';
import { NotificationCells } from '../components/NotificationCells.js';
import { formatTime } from '../components/Timeline.js';
import { requireUser } from '../session.server.js';

export const meta: MetaFunction = () => [{ title: 'Notifications · clearhouse' }];

/** Notifications per page. */
const PAGE_SIZE = 20;

// The area's layout (app.tsx, ops.tsx) admits the roles; any signed-in person has notifications.
export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request);
  const cursor = new URL(request.url).searchParams.get('cursor') || undefined;
  const [page, preferences] = await Promise.all([
    context.services.notifications.list(user, { limit: PAGE_SIZE, cursor }),
    context.services.notifications.preferences(user),
  ]);
  return { page, preferences, paged: cursor !== undefined };
}

export async function action({ context, request }: ActionFunctionArgs) {
  const user = requireUser(context, request);
  const form = await request.formData();
  const services = context.services.notifications;
  switch (form.get('intent')) {
    case 'read':
      return attempt(() => services.markRead(user, String(form.get('id') ?? '')), 'Marked read.');
    case 'read-all':
      return attempt(() => services.markAllRead(user), 'All marked read.');
    case 'preferences':
      return attempt(() => services.putPreferences(user, form), 'Preferences saved.');
    default:
      return { ok: false as const, error: 'Unknown action.', code: 'bad_request' };
  }
}

type Page = SerializeFrom<typeof loader>['page'];
type Preferences = SerializeFrom<typeof loader>['preferences'];

export default function Notifications() {
  // The backoffice's loader (ops.notifications.tsx) adds the CSV of the staff member's list.
  const data = useLoaderData<typeof loader>() as SerializeFrom<typeof loader> & { csvPath?: string };
  const { page, preferences, paged, csvPath } = data;
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  return (
    <>
      <div className="row between">
        <h1>Notifications</h1>
        {csvPath ? <CsvExportLink path={csvPath} /> : null}
      </div>
      <ActionMessage result={result} />
      <div className="row">
        <p data-testid="unread-total">{page.unread === 1 ? '1 unread' : `${page.unread} unread`}</p>
        {page.unread > 0 ? (
          <Form method="post">
            <button type="submit" name="intent" value="read-all" className="secondary" disabled={busy}>
              Mark all read
            </button>
          </Form>
        ) : null}
      </div>
      <NotificationTable items={page.items} busy={busy} />
      <p>
        {paged ? <Link to=".">← Newest</Link> : null}{' '}
        {page.nextCursor ? <Link to={`?cursor=${encodeURIComponent(page.nextCursor)}`}>Older →</Link> : null}
      </p>
      <PreferencesForm preferences={preferences} busy={busy} />
    </>
  );
}

function NotificationTable({ items, busy }: { items: Page['items']; busy: boolean }) {
  return (
    <table className="grid" data-testid="notifications">
      <thead>
        <tr>
          <th>When</th>
          <th>What</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {items.length === 0 ? (
          <tr>
            <td colSpan={3} className="muted">
              No notifications yet.
            </td>
          </tr>
        ) : (
          items.map((item) => (
            <tr
              key={item.id}
              data-notification-id={item.id}
              data-type={item.type}
              data-read={item.readAt ? 'true' : 'false'}
            >
              <td>{formatTime(item.createdAt)}</td>
              <NotificationCells item={item} busy={busy} />
            </tr>
          ))
        )}
      </tbody>
    </table>
  );
}

/**
 * One row per event type, a checkbox per channel; a browser sends only the ticked ones. The staff's
 * centre (ops.notifications.tsx) shows it under its own sortable list.
 */
export function PreferencesForm({ preferences, busy }: { preferences: Preferences; busy: boolean }) {
  return (
    <section className="card">
      <h2>What to hear about</h2>
      <Form method="post" aria-label="Notification preferences">
        <label>
          Amounts written as
          <select name="locale" defaultValue={preferences.locale}>
            {LOCALES.map((locale) => (
              <option key={locale} value={locale}>
                {locale}
              </option>
            ))}
          </select>
        </label>
        <table className="grid">
          <thead>
            <tr>
              <th>Event</th>
              <th>In the list</th>
              <th>By email</th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(preferences.types).map(([type, choice]) => (
              <tr key={type} data-event-type={type}>
                <td>
                  <input type="hidden" name="type" value={type} />
                  {type}
                </td>
                <td>
                  <input
                    type="checkbox"
                    name={`inApp:${type}`}
                    defaultChecked={choice.inApp}
                    aria-label={`${type} in the list`}
                  />
                </td>
                <td>
                  <input
                    type="checkbox"
                    name={`email:${type}`}
                    defaultChecked={choice.email}
                    aria-label={`${type} by email`}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <button type="submit" name="intent" value="preferences" disabled={busy}>
          Save preferences
        </button>
      </Form>
    </section>
  );
}
