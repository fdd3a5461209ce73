// Staff's and auditors' notification centre (overdue tasks of their role, and their own events): the
// client portal's page, under the backoffice layout, with its CSV (/ops/notifications.csv).
import type { LoaderFunctionArgs } from '@remix-run/node';
import { loader as centreLoader } from './app.notifications.js';

export { action, meta } from './app.notifications.js';
export { default } from './app.notifications.js';

/** The backoffice layout's roles (ops.tsx): who reads this page and downloads its CSV. */
export const NOTIFICATION_READERS = ['operations', 'aml_officer', 'admin', 'auditor'] as const;

export async function loader(args: LoaderFunctionArgs) {
  return { ...(await centreLoader(args)), csvPath: '/ops/notifications.csv' };
}
