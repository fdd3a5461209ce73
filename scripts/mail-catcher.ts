// A local mail catcher: an SMTP server (smtp-server) that keeps every mail in memory, and a small
// HTTP side to look into them — `/` a page listing them, `/messages` JSON, `/messages/:n.html` one
// mail's HTML part. `npm start` runs it (SMTP 1025, HTTP 1080); tests start their own on free ports.
// Local development only: it accepts any sender, any recipient, no authentication.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface CaughtMail {
  n: number;
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
  receivedAt: string;
}

export interface MailCatcher {
  smtpUrl: string;
  httpUrl: string;
  messages(): CaughtMail[];
  /** Resolves with the first mail `match` accepts (already caught or still to come). */
  waitFor(match: (mail: CaughtMail) => boolean, timeoutMs?: number): Promise<CaughtMail>;
  close(): Promise<void>;
}

/** Mails kept at most; older ones are dropped first. */
const KEEP_MAX = 1000;

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

export async function startMailCatcher(
  options: { smtpPort?: number; httpPort?: number; host?: string } = {},
): Promise<MailCatcher> {
  const host = options.host ?? '127.0.0.1';
  const mails: CaughtMail[] = [];
  const waiters = new Set<() => void>();
  let count = 0;

  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream).then(
        (parsed) => {
          count += 1;
          const headers: Record<string, string> = {};
          for (const [key, value] of parsed.headers)
            headers[key] = typeof value === 'string' ? value : JSON.stringify(value);
          const to = Array.isArray(parsed.to) ? parsed.to : parsed.to ? [parsed.to] : [];
          mails.push({
            n: count,
            from: parsed.from?.text ?? '',
            to: to.flatMap((address) => address.value.map((entry) => entry.address ?? '')),
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
            html: typeof parsed.html === 'string' ? parsed.html : '',
            headers,
            receivedAt: new Date().toISOString(),
          });
          if (mails.length > KEEP_MAX) mails.shift();
          for (const wake of waiters) wake();
          callback();
        },
        (error: Error) => callback(error),
      );
    },
  });
  await new Promise<void>((resolve, reject) => {
    smtp.once('error', reject);
    smtp.listen(options.smtpPort ?? 1025, host, () => resolve());
  });
  smtp.on('error', () => undefined);
  const smtpPort = (smtp.server.address() as AddressInfo).port;

  const web = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://catcher');
    const one = /^\/messages\/(\d+)\.html$/.exec(url.pathname);
    if (url.pathname === '/messages') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify([...mails].reverse()));
    } else if (one) {
      const mail = mails.find((m) => m.n === Number(one[1]));
      res.statusCode = mail ? 200 : 404;
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.setHeader('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'");
      res.end(mail?.html || escapeHtml(mail?.text ?? 'no such mail'));
    } else if (url.pathname === '/') {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      const rows = [...mails]
        .reverse()
        .map(
          (m) =>
            `<tr><td>${m.n}</td><td>${escapeHtml(m.receivedAt)}</td><td>${escapeHtml(m.to.join(', '))}</td>` +
            `<td><a href="/messages/${m.n}.html">${escapeHtml(m.subject)}</a></td><td><pre>${escapeHtml(m.text)}</pre></td></tr>`,
        )
        .join('');
      res.end(
        `<!doctype html><meta charset="utf-8"><title>Mail catcher</title><h1>Caught mail (${mails.length})</h1>` +
          `<table border="1" cellpadding="4"><tr><th>#</th><th>received</th><th>to</th><th>subject</th><th>text</th></tr>${rows}</table>`,
      );
    } else {
      res.statusCode = 404;
      res.end('not found');
    }
  });
  await new Promise<void>((resolve, reject) => {
    web.once('error', reject);
    web.listen(options.httpPort ?? 1080, host, () => resolve());
  });
  const httpPort = (web.address() as AddressInfo).port;

  return {
    smtpUrl: `smtp://${host}:${smtpPort}`,
    httpUrl: `http://${host}:${httpPort}`,
    messages: () => [...mails],
    waitFor(match, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = mails.find(match);
          if (!found) return false;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error('no matching mail in time'));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async close() {
      web.closeAllConnections();
      await Promise.all([
        new Promise<void>((resolve) => smtp.close(() => resolve())),
        new Promise<void>((resolve) => web.close(() => resolve())),
      ]);
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const catcher = await startMailCatcher({
    smtpPort: Number(process.env.MAIL_CATCHER_SMTP_PORT ?? 1025),
    httpPort: Number(process.env.MAIL_CATCHER_HTTP_PORT ?? 1080),
  });
  console.log(
    JSON.stringify({
      level: 'info',
      msg: 'mail catcher listening',
      smtp: catcher.smtpUrl,
      http: catcher.httpUrl,
    }),
  );
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void catcher.close().then(() => process.exit(0)));
  }
}
