// Staff's and auditors' notification centre (overdue tasks of their role, and their own events): the
// client portal's page, under the backoffice layout.
export { action, loader, meta } from './app.notifications.js';
export { default } from './app.notifications.js';
