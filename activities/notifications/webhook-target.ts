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
  checkResolvedAddresses,
  checkTargetUrl,
  hostOf,
  parseAllowedHosts,
  type TargetProblem,
} from '../../domain/webhook-targets.js';

export class TargetRefusedError extends Error {
  constructor(readonly problem: TargetProblem) {
    super(problem.message);
  }
}

export interface ResolvedTarget {
  url: URL;
  host: string;
  /** The checked address the request connects to. */
  address: string;
  family: 4 | 6;
}

export type Resolver = (host: string) => Promise<{ address: string; family: number }[]>;

const systemResolver: Resolver = (host) => lookup(host, { all: true, verbatim: true });

/** WEBHOOK_ALLOWED_HOSTS: names or addresses that may be private (a partner on a VPN, tests). */
export function allowedHostsFromEnv(): Set<string> {
  return parseAllowedHosts(process.env.WEBHOOK_ALLOWED_HOSTS);
}

/** Checks `text` and resolves its host; throws TargetRefusedError with the reason. */
export async function resolveTarget(
  text: string,
  allowedHosts: ReadonlySet<string>,
  resolve: Resolver = systemResolver,
): Promise<ResolvedTarget> {
  const checked = checkTargetUrl(text);
  if ('problem' in checked) throw new TargetRefusedError(checked.problem);
  const host = hostOf(checked.url);
  let answers: { address: string; family: number }[];
  try {
    answers = await resolve(host);
  } catch (error) {
    throw new TargetRefusedError({
      code: 'bad_url',
      message: `${host} does not resolve: ${(error as Error).message}`,
    });
  }
  const problem = checkResolvedAddresses(
    host,
    answers.map((answer) => answer.address),
    allowedHosts,
  );
  if (problem) throw new TargetRefusedError(problem);
  const first = answers[0]!;
  return { url: checked.url, host, address: first.address, family: first.family === 6 ? 6 : 4 };
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
