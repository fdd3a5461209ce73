// Notification and webhook services for the Remix pages: the JSON API's own service functions (the
// list, marking read, preferences, webhook endpoints and their deliveries), plus what only the pages
// need — the bell's unread count and the preferences form turned into the API's body.
import {
  findNotifications,
  notificationSortOf,
  type FindNotificationsInput,
} from '../../db/lists/notification-list.js';
import type { AppDeps } from '../deps.js';
import * as notifications from '../services/notifications.js';
import * as webhooks from '../services/webhooks.js';
import type { WebUser } from './load-context.js';

/**
 * The preferences form as the API's body: each offered type has a hidden `type` field and one
 * checkbox per channel (`inApp:<type>`, `email:<type>`) that a browser sends only when ticked.
 */
export function preferencesFromForm(form: FormData): {
  locale?: string;
  types: Record<string, { inApp: boolean; email: boolean }>;
} {
  const types: Record<string, { inApp: boolean; email: boolean }> = {};
  for (const type of form.getAll('type').map(String).slice(0, 100)) {
    types[type] = { inApp: form.has(`inApp:${type}`), email: form.has(`email:${type}`) };
  }
  const locale = String(form.get('locale') ?? '');
  return locale ? { locale, types } : { types };
}

export function notificationWebServices(deps: AppDeps) {
  return {
    unread: (user: WebUser) => notifications.unreadCountFor(deps, user),
    list: (user: WebUser, query: { limit?: number; cursor?: string }) =>
      notifications.listNotificationsFor(deps, user, query),
    /** The staff list's page of the person's own notifications: sorted, searched, by read state. */
    find: (user: WebUser, query: FindNotificationsInput) => findNotifications(deps.pool, user.id, query),
    sortOf: notificationSortOf,
    markRead: (user: WebUser, id: string) => notifications.markReadFor(deps, user, id),
    markAllRead: (user: WebUser) => notifications.markAllReadFor(deps, user),
    preferences: (user: WebUser) => notifications.preferencesFor(deps, user),
    putPreferences: (user: WebUser, form: FormData) =>
      notifications.putPreferencesFor(deps, user, preferencesFromForm(form)),
    /** The event types offered as checkboxes (others can be typed as patterns: `order.*`, `*`). */
    eventTypes: (): readonly string[] => notifications.KNOWN_EVENT_TYPES,
    webhooks: {
      list: (user: WebUser) => webhooks.listWebhooksFor(deps, user),
      create: (user: WebUser, body: { url: string; events: string[] }) =>
        webhooks.createWebhookFor(deps, user, body),
      rotate: (user: WebUser, id: string) => webhooks.rotateWebhookSecretFor(deps, user, id),
      remove: (user: WebUser, id: string) => webhooks.deleteWebhookFor(deps, user, id),
      deliveries: (user: WebUser, id: string) => webhooks.listDeliveriesFor(deps, user, id, { limit: 50 }),
      redeliver: (user: WebUser, id: string, deliveryId: string) =>
        webhooks.redeliverFor(deps, user, id, deliveryId),
    },
  };
}
