// Where a webhook may be sent (SSRF guard, docs/notifications.md): http or https only, and never to
// an address inside our own network — private, loopback, link-local (the cloud metadata service at
// 169.254.169.254), carrier-grade NAT, multicast, reserved — unless the host is on the allow-list
// (WEBHOOK_ALLOWED_HOSTS). The DNS side is activities/notifications/webhook-target.ts: every address
// a name resolves to is checked here, and the request goes to a checked address only.
import { BlockList, isIP } from 'node:net';

const forbidden = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  forbidden.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['2001:db8::', 32],
  ['64:ff9b::', 96],
] as const) {
  forbidden.addSubnet(network, prefix, 'ipv6');
}

/** An IPv4-mapped IPv6 address (::ffff:10.0.0.1) is judged as its IPv4 address. */
function unmapped(address: string): string {
  const match = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return match ? match[1]! : address;
}

/** True for an address no webhook may reach (also for anything that is not an IP address). */
export function isForbiddenAddress(address: string): boolean {
  const plain = unmapped(address);
  const family = isIP(plain);
  if (family === 0) return true;
  return forbidden.check(plain, family === 4 ? 'ipv4' : 'ipv6');
}

export type TargetProblem =
  | { code: 'bad_url'; message: string }
  | { code: 'bad_scheme'; message: string }
  | { code: 'forbidden_address'; message: string };

/** The allow-list from its environment text: comma-separated host names or addresses, lower case. */
export function parseAllowedHosts(text: string | undefined): Set<string> {
  return new Set(
    (text ?? '')
      .split(',')
      .map((host) => host.trim().toLowerCase())
      .filter((host) => host.length > 0),
  );
}

/** The URL's host as the allow-list and DNS see it (IPv6 without brackets). */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
}

/** The checks that need no DNS: a parsable http(s) URL without credentials. */
export function checkTargetUrl(text: string): { url: URL } | { problem: TargetProblem } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { problem: { code: 'bad_url', message: 'not a URL' } };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { problem: { code: 'bad_scheme', message: 'only http and https targets are allowed' } };
  }
  if (url.username || url.password) {
    return { problem: { code: 'bad_url', message: 'credentials in the URL are not allowed' } };
  }
  return { url };
}

/** The addresses a host resolved to, judged: the first forbidden one refuses the whole host. */
export function checkResolvedAddresses(
  host: string,
  addresses: readonly string[],
  allowedHosts: ReadonlySet<string>,
): TargetProblem | null {
  if (addresses.length === 0) return { code: 'bad_url', message: `${host} does not resolve` };
  if (allowedHosts.has(host)) return null;
  const bad = addresses.find((address) => isForbiddenAddress(address) && !allowedHosts.has(address));
  if (bad !== undefined) {
    return {
      code: 'forbidden_address',
      message: `${host} resolves to ${bad}, a private, loopback or link-local address (not in WEBHOOK_ALLOWED_HOSTS)`,
    };
  }
  return null;
}

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

/** DNS, handed in by the caller (the API at registration, the consumer at each attempt). */
export type Resolver = (host: string) => Promise<{ address: string; family: number }[]>;

/** Checks `text`, resolves its host with `resolve` and checks every answer; throws TargetRefusedError. */
export async function resolveTarget(
  text: string,
  allowedHosts: ReadonlySet<string>,
  resolve: Resolver,
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
