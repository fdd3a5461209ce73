// In-app notifications and email from a real lifecycle transition: a client announces a deposit
// (real server, worker, Temporal, PostgreSQL, Redis); recordTransition writes the outbox event, the
// dispatcher and consumers turn it into a notification (live on the SSE stream) and a mail, caught
// by a local mail catcher, with the amount written the client's way (de-DE).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeNotificationConnections } from '../../api/services/notifications.js';
import { config } from '../../db/config.js';
import { createRedis } from '../../db/outbox/index.js';
import { createMailTransport } from '../../activities/notifications/email.js';
import { startNotifications, type RunningNotifications } from '../../activities/notifications/run.js';
import { startMailCatcher, type MailCatcher } from '../../scripts/mail-catcher.js';
import { announced, openEvents, startApiWorld, type ApiWorld } from './helpers.js';

const prefix = `test-notifications-${randomUUID()}`;
/** The people of this file: its dispatcher takes only their events. */
const owners = new Set<string>();
let world: ApiWorld;
let catcher: MailCatcher;
let notifications: RunningNotifications;
const redis = createRedis();

beforeAll(async () => {
  world = await startApiWorld();
  catcher = await startMailCatcher({ smtpPort: 0, httpPort: 0 });
  notifications = startNotifications({
    pool: world.app.pool,
    databaseUrl: config.databaseUrl,
    connection: redis,
    prefix,
    transport: createMailTransport(catcher.smtpUrl),
    pollMs: 100,
    ownerIds: () => [...owners], // this file's people only: other files share the database
  });
});

afterAll(async () => {
  await notifications?.stop();
  for (const queue of Object.values(notifications?.queues ?? {})) {
    await queue.obliterate({ force: true }).catch(() => undefined);
  }
  await redis.quit();
  await catcher?.close();
  await closeNotificationConnections();
  await world?.stop();
});

async function person(role: 'client') {
  const someone = await world.person(role);
  owners.add(someone.id);
  return someone;
}

describe('notifications', () => {
  it('a deposit’s transition reaches the bell live, the list, and the client’s mail in their format', async () => {
    const client = await person('client');
    const put = await world.as(client, '/notification-preferences', {
      method: 'PUT',
      json: { locale: 'de-DE', types: { 'deposit.pending': { inApp: true, email: true } } },
    });
    expect(put.status, put.text).toBe(200);
    expect(put.body.locale).toBe('de-DE');
    expect(put.body.types['deposit.pending']).toEqual({ inApp: true, email: true });
    expect(put.body.types['deposit.cleared']).toEqual({ inApp: true, email: false }); // the default

    const stream = await openEvents(world, client, '/notifications/stream');
    try {
      expect(await stream.next()).toMatchObject({ event: 'unread', data: { unread: 0, latest: null } });
      const deposit = await announced(world, client, { amount: '1250.50', currency: 'EUR' });

      const live = await stream.next(20_000);
      expect(live).toMatchObject({ event: 'unread', data: { unread: 1 } });
      expect((live.data as { latest: { type: string } }).latest.type).toBe('deposit.pending');

      const list = await world.as(client, '/notifications');
      expect(list.status).toBe(200);
      expect(list.body.unread).toBe(1);
      const [note] = list.body.items;
      expect(note).toMatchObject({
        type: 'deposit.pending',
        readAt: null,
        link: `/app/deposits/${deposit.id}`,
      });
      expect(note.body).toContain('1.250,50 EUR');

      const mail = await catcher.waitFor((m) => m.to.includes(client.email), 20_000);
      expect(mail.subject).toContain('deposit');
      expect(mail.text).toContain('1.250,50 EUR');
      expect(mail.html).toContain('1.250,50 EUR');
      expect(mail.html).toContain(`/app/deposits/${deposit.id}`);
      expect(mail.headers['x-clearhouse-event-type']).toBe('deposit.pending');
      // The catcher's own page lists it for a developer.
      const json = (await (await fetch(`${catcher.httpUrl}/messages`)).json()) as { to: string[] }[];
      expect(json.some((m) => m.to.includes(client.email))).toBe(true);

      // Someone else cannot mark it; the owner can, and the bell hears it.
      const stranger = await person('client');
      expect((await world.as(stranger, `/notifications/${note.id}/read`, { method: 'POST' })).status).toBe(
        404,
      );
      const read = await world.as(client, `/notifications/${note.id}/read`, { method: 'POST' });
      expect(read.status, read.text).toBe(200);
      expect(read.body.readAt).not.toBeNull();
      expect(await stream.next()).toMatchObject({ event: 'unread', data: { unread: 0 } });
    } finally {
      stream.close();
    }
    // Exactly one mail for that event, however often its jobs ran.
    expect(catcher.messages().filter((m) => m.to.includes(client.email))).toHaveLength(1);
  });

  it('keeps mail off by default and refuses a malformed preference', async () => {
    const client = await person('client');
    const bad = await world.as(client, '/notification-preferences', {
      method: 'PUT',
      json: { types: { 'Not A Type': { inApp: true, email: true } } },
    });
    expect(bad.status).toBe(400);
    const got = await world.as(client, '/notification-preferences');
    expect(got.body).toMatchObject({
      locale: 'en-GB',
      types: { 'deposit.cleared': { inApp: true, email: false } },
    });
    expect((await world.as(null, '/notifications')).status).toBe(401);
  });
});
