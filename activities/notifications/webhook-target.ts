// Sending one webhook request safely (SSRF guard, docs/notifications.md): the host is resolved here,
// every address it resolves to is checked (domain/webhook-targets.ts), and the connection goes to
// the checked address itself — a DNS answer that changes between check and connect cannot slip a
// private address in. Redirects are never followed (a 3xx is a failed attempt), the whole request
// has a deadline, and at most `responseBodyMaxBytes` of the answer are read.
import { lookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import {
  parseAllowedHosts,
  resolveTarget as resolveWith,
  type ResolvedTarget,
  type Resolver,
} from '../../domain/webhook-targets.js';

export { TargetRefusedError, type ResolvedTarget, type Resolver } from '../../domain/webhook-targets.js';

/** The machine's resolver (getaddrinfo), every address. */
export const systemResolver: Resolver = (host) => lookup(host, { all: true, verbatim: true });

/** WEBHOOK_ALLOWED_HOSTS: names or addresses that may be private (a partner on a VPN, tests). */
export function allowedHostsFromEnv(): Set<string> {
  return parseAllowedHosts(process.env.WEBHOOK_ALLOWED_HOSTS);
}

/** Checks `text` and resolves its host (domain/webhook-targets.ts resolveTarget). */
export function resolveTarget(
  text: string,
  allowedHosts: ReadonlySet<string>,
  resolve: Resolver = systemResolver,
): Promise<ResolvedTarget> {
  return resolveWith(text, allowedHosts, resolve);
}

export interface PostResult {
  statusCode: number;
  /** The first `responseBodyMaxBytes` of the answer, as text. */
  body: string;
}

/** POSTs `body` to the resolved target, pinned to its checked address. Rejects on timeout or network error. */
export function postToTarget(
  target: ResolvedTarget,
  body: string,
  headers: Record<string, string>,
  limits: { timeoutMs: number; responseBodyMaxBytes: number },
): Promise<PostResult> {
  const pinned: LookupFunction = (_hostname, options, callback) => {
    if ((options as { all?: boolean }).all) {
      (callback as (e: null, a: { address: string; family: number }[]) => void)(null, [
        { address: target.address, family: target.family },
      ]);
    } else callback(null, target.address, target.family);
  };
  const send = target.url.protocol === 'https:' ? https.request : http.request;
  return new Promise((resolve, reject) => {
    const request = send(
      target.url,
      {
        method: 'POST',
        lookup: pinned,
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        // A fresh connection per attempt: nothing pooled can outlive the address check.
        agent: false,
        timeout: limits.timeoutMs,
      },
      (response) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        response.on('data', (chunk: Buffer) => {
          if (kept >= limits.responseBodyMaxBytes) {
            response.destroy(); // enough read: the rest is not ours to wait for
            return;
          }
          const part = chunk.subarray(0, limits.responseBodyMaxBytes - kept);
          chunks.push(part);
          kept += part.length;
        });
        const done = () =>
          resolve({ statusCode: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
        response.on('end', done);
        response.on('close', done);
        response.on('error', done);
      },
    );
    const deadline = setTimeout(
      () => request.destroy(new Error(`no answer within ${limits.timeoutMs} ms`)),
      limits.timeoutMs,
    );
    request.on('timeout', () => request.destroy(new Error(`no answer within ${limits.timeoutMs} ms`)));
    request.on('error', (error) => {
      clearTimeout(deadline);
      reject(error);
    });
    request.on('close', () => clearTimeout(deadline));
    request.end(body);
  });
}
