// What a notification says, per event type: a table of renderers (title, text, HTML), each given
// the event and the recipient's locale, amounts written the recipient's way. One renderer per
// family of events; a lifecycle transition without its own falls back to the generic one.
import { formatAmountFor, isLocale, DEFAULT_LOCALE, type Locale } from '../../domain/notifications.js';
import type { EventJob } from '../../db/outbox/queues.js';

export interface Rendered {
  /** The in-app title and the mail's subject. */
  title: string;
  /** One paragraph of plain text: the in-app body and the mail's text part. */
  text: string;
  /** The mail's HTML part (escaped). */
  html: string;
  /** Where the person goes to see it, relative to the app ("/app/deposits/…"), if anywhere. */
  link: string | null;
  /** The template's name, kept with every mail sent. */
  template: string;
}

interface Facts {
  event: EventJob;
  locale: Locale;
  recipientName: string;
}

type Renderer = (facts: Facts) => Omit<Rendered, 'html' | 'template'> & { template: string };

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);

const str = (value: unknown): string | null => (typeof value === 'string' && value.length > 0 ? value : null);

/** "1.250,50 EUR" for de-DE, or null when the event carries no amount. */
function amountOf(facts: Facts, key = 'amount'): string | null {
  const amount = str(facts.event.data[key]);
  const asset = str(facts.event.data.currency) ?? str(facts.event.data.asset);
  if (!amount || !asset) return null;
  try {
    return formatAmountFor(facts.locale, amount, asset);
  } catch {
    return `${amount} ${asset}`;
  }
}

const LIFECYCLE_PAGES: Record<string, string> = {
  deposit: '/app/deposits/',
  withdrawal: '/app/withdrawals/',
  order: '/app/orders/',
};

const humanStatus = (status: string) => status.toLowerCase().replace(/_/g, ' ');
const humanLifecycle = (type: string) =>
  type
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/_/g, ' ')
    .toLowerCase();

const lifecycleTransition: Renderer = (facts) => {
  const { data } = facts.event;
  const lifecycle = str(data.lifecycle) ?? facts.event.type.split('.')[0]!;
  const status = str(data.status) ?? facts.event.type.split('.')[1]!;
  const id = str(data.id);
  const reference = str(data.reference);
  const amount = amountOf(facts);
  const what = [humanLifecycle(lifecycle), reference ?? null].filter(Boolean).join(' ');
  const title = `Your ${what} is ${humanStatus(status)}`;
  const text = [
    `Hello ${facts.recipientName},`,
    `your ${what}${amount ? ` of ${amount}` : ''} is now ${humanStatus(status)}.`,
  ].join(' ');
  const page = LIFECYCLE_PAGES[lifecycle];
  return {
    title,
    text,
    link: page && id ? `${page}${encodeURIComponent(id)}` : null,
    template: 'lifecycle-transition',
  };
};

const orderFilled: Renderer = (facts) => {
  const { data } = facts.event;
  const side = str(data.side)?.toLowerCase() ?? 'order';
  const symbol = str(data.symbol) ?? '';
  const quantity = str(data.quantity) ?? (typeof data.quantity === 'number' ? String(data.quantity) : null);
  const title = `Your ${side} order ${symbol} is filled`.replace(/\s+/g, ' ');
  const text = `Hello ${facts.recipientName}, your ${side} order${quantity ? ` for ${quantity}` : ''} ${symbol} is filled.`;
  const id = str(data.id);
  return { title, text, link: id ? `/app/orders/${encodeURIComponent(id)}` : null, template: 'order-filled' };
};

const taskOverdue: Renderer = (facts) => {
  const { data } = facts.event;
  const summary = str(data.summary) ?? str(data.kind) ?? 'a task';
  return {
    title: `Overdue: ${summary}`,
    text: `Hello ${facts.recipientName}, a ${humanStatus(str(data.kind) ?? 'task')} task is past its due date: ${summary}.`,
    link: '/ops/tasks',
    template: 'task-overdue',
  };
};

const passwordReset: Renderer = (facts) => {
  const link = str(facts.event.data.link);
  return {
    title: 'Reset your clearhouse password',
    text: `Hello ${facts.recipientName}, someone asked to reset your password. Open ${link ?? 'the link in this mail'} to choose a new one; if it was not you, ignore this mail.`,
    link,
    template: 'password-reset',
  };
};

const invitation: Renderer = (facts) => {
  const link = str(facts.event.data.link);
  return {
    title: 'You are invited to clearhouse',
    text: `Hello ${facts.recipientName}, an administrator created your clearhouse account. Open ${link ?? 'the link in this mail'} to set your password.`,
    link,
    template: 'invitation',
  };
};

/** Exact event types first, then the lifecycle fallback. */
const RENDERERS: Record<string, Renderer> = {
  'order.filled': orderFilled,
  'task.overdue': taskOverdue,
  'user.password_reset': passwordReset,
  'user.invited': invitation,
};

export function renderEvent(event: EventJob, recipient: { displayName: string; locale: string }): Rendered {
  const locale = isLocale(recipient.locale) ? recipient.locale : DEFAULT_LOCALE;
  const renderer = RENDERERS[event.type] ?? lifecycleTransition;
  const rendered = renderer({ event, locale, recipientName: recipient.displayName });
  const linkHtml = rendered.link
    ? `<p><a href="${escapeHtml(absolute(rendered.link))}">${escapeHtml(absolute(rendered.link))}</a></p>`
    : '';
  return {
    ...rendered,
    html:
      `<!doctype html><html lang="${escapeHtml(locale)}"><body>` +
      `<h1>${escapeHtml(rendered.title)}</h1><p>${escapeHtml(rendered.text)}</p>${linkHtml}` +
      `<p style="color:#666">clearhouse</p></body></html>`,
  };
}

/** Mail links point at the app (APP_URL, default http://localhost:3000). */
export function absolute(link: string): string {
  if (/^https?:\/\//.test(link)) return link;
  return `${(process.env.APP_URL ?? 'http://localhost:3000').replace(/\/$/, '')}${link}`;
}
