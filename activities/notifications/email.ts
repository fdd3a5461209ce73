// The `email` consumer: renders the event for its recipient (templates.ts, the recipient's locale)
// and sends it through SMTP (SMTP_URL, default the local mail catcher at smtp://127.0.0.1:1025).
// The (event, recipient) row is claimed in a transaction that commits only after the send, so a
// failed send is retried and a re-run job after a committed send sends nothing.
import nodemailer, { type Transporter } from 'nodemailer';
import type pg from 'pg';
import { inTransaction } from '../../db/pool.js';
import { getOutboxEvent } from '../../db/outbox/index.js';
import { audienceFor, claimEmail, recordEmailMessageId } from '../../db/notifications/index.js';
import type { EmailJob } from '../../db/outbox/queues.js';
import { absolute, renderEvent } from './templates.js';

export const DEFAULT_SMTP_URL = 'smtp://127.0.0.1:1025';
export const MAIL_FROM = process.env.MAIL_FROM ?? 'clearhouse <no-reply@clearhouse.local>';

export function createMailTransport(url: string = process.env.SMTP_URL || DEFAULT_SMTP_URL): Transporter {
  return nodemailer.createTransport(url);
}

export interface EmailDeps {
  pool: pg.Pool;
  transport: Transporter;
}

/** Answers what was done: 'sent', or why not ('already_sent', 'no_recipient', 'no_event'). */
export async function sendEventEmail(deps: EmailDeps, job: EmailJob): Promise<string> {
  const event = await getOutboxEvent(deps.pool, job.eventId);
  if (!event) return 'no_event';
  const [recipient] = await audienceFor(deps.pool, { ids: [job.userId] }, event.type);
  if (!recipient) return 'no_recipient';
  const rendered = renderEvent(event, { displayName: recipient.displayName, locale: recipient.locale });
  return inTransaction(deps.pool, async (client) => {
    const first = await claimEmail(client, {
      eventId: event.id,
      recipient: recipient.email,
      template: rendered.template,
    });
    if (!first) return 'already_sent';
    const info = await deps.transport.sendMail({
      from: MAIL_FROM,
      to: recipient.email,
      subject: rendered.title,
      text: rendered.link ? `${rendered.text}\n\n${absolute(rendered.link)}\n` : `${rendered.text}\n`,
      html: rendered.html,
      headers: { 'X-Clearhouse-Event': event.id, 'X-Clearhouse-Event-Type': event.type },
    });
    await recordEmailMessageId(client, {
      eventId: event.id,
      recipient: recipient.email,
      messageId: String(info.messageId ?? ''),
    });
    return 'sent';
  });
}
