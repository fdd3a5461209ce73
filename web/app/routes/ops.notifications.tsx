// Staff's and auditors' notification centre (overdue tasks of their role, and their own events): the
// person's own notifications as a staff list — sorted by a header link, searched in their text,
// filtered by read state, paged, the filters in the URL and its CSV (/ops/notifications.csv) in the
// same order — above the client portal's preferences form. Marking read posts to the portal's action.
import type { LoaderFunctionArgs } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { ActionMessage } from '../components/ActionMessage.js';
import { CsvExportLink, ListFilters, NextPageLink, SortHeader } from '../components/ListControls.js';
import { NotificationCells } from '../components/NotificationCells.js';
import { formatTime } from '../components/Timeline.js';
import { notificationListRequest } from '../notification-list.server.js';
import { requireUser } from '../session.server.js';
import { PreferencesForm, type action } from './app.notifications.js';

export { action, meta } from './app.notifications.js';

/** The backoffice layout's roles (ops.tsx): who reads this page and downloads its CSV. */
export const NOTIFICATION_READERS = ['operations', 'aml_officer', 'admin', 'auditor'] as const;

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, NOTIFICATION_READERS);
  const services = context.services.notifications;
  const { query, searching, read } = notificationListRequest(request, services, user);
  const [page, unread, preferences] = await Promise.all([
    read(query.cursor, query.limit),
    services.unread(user),
    services.preferences(user),
  ]);
  return { page, unread, preferences, sort: query.sort, status: query.status ?? '', searching };
}

export default function StaffNotifications() {
  const { page, unread, preferences, sort, status, searching } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  return (
    <>
      <div className="row between">
        <h1>Notifications</h1>
        <CsvExportLink path="/ops/notifications.csv" />
      </div>
      <ActionMessage result={result} />
      <div className="row">
        <p data-testid="unread-total">{unread === 1 ? '1 unread' : `${unread} unread`}</p>
        {unread > 0 ? (
          <Form method="post">
            <button type="submit" name="intent" value="read-all" className="secondary" disabled={busy}>
              Mark all read
            </button>
          </Form>
        ) : null}
      </div>
      <ListFilters
        statuses={['unread', 'read']}
        status={status}
        clientFilter={false}
        searchLabel="Search (text)"
      />
      <p className="muted" aria-live="polite">
        {searching ? `${page.items.length} found on this page` : `${page.items.length} shown`}
      </p>
      <table className="grid" data-testid="notifications">
        <thead>
          <tr>
            <SortHeader column="created" label="When" sort={sort} firstDir="desc" />
            <SortHeader column="type" label="Type" sort={sort} />
            <SortHeader column="title" label="What" sort={sort} />
            <SortHeader column="read" label="Read" sort={sort} firstDir="desc" />
          </tr>
        </thead>
        <tbody>
          {page.items.length === 0 ? (
            <tr>
              <td colSpan={4} className="muted">
                {searching || status ? 'No notification matches.' : 'No notifications yet.'}
              </td>
            </tr>
          ) : (
            page.items.map((item) => (
              <tr
                key={item.id}
                data-notification-id={item.id}
                data-type={item.type}
                data-read={item.readAt ? 'true' : 'false'}
              >
                <td>{formatTime(item.createdAt)}</td>
                <td>
                  <code>{item.type}</code>
                </td>
                <NotificationCells item={item} busy={busy} />
              </tr>
            ))
          )}
        </tbody>
      </table>
      <NextPageLink cursor={page.nextCursor} />
      <PreferencesForm preferences={preferences} busy={busy} />
    </>
  );
}
