// autocannon as the API benchmarks drive it (bench:api, bench:http-floor): the shape of what it is
// called with and returns (it ships no types), and its responses counted once each beside its own
// percentiles (autocannon 8 corrects for coordinated omission with an expected interval of
// ceil(1 / rate) = 1 ms, so its histogram weighs each response by its length).

export interface AutocannonResult {
  latency: { p50: number; p99: number };
  errors: number;
  non2xx: number;
  requests: { total: number };
  statusCodeStats?: Record<string, { count: number }>;
}

export interface AutocannonRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  setupRequest?: (request: AutocannonRequest) => AutocannonRequest;
}

/** What autocannon returns: its result, and an emitter of every response as it comes. */
type AutocannonRun = Promise<AutocannonResult> & {
  on(event: 'response', listener: (client: unknown, status: number, bytes: number, ms: number) => void): void;
};

type Autocannon = (options: {
  url: string;
  connections: number;
  overallRate: number;
  duration: number;
  headers?: Record<string, string>;
  requests?: AutocannonRequest[];
}) => AutocannonRun;

export async function loadAutocannon(): Promise<Autocannon> {
  return ((await import('autocannon' as string)) as { default: Autocannon }).default;
}

/** One run, with the latency of every 2xx response kept (ascending) beside autocannon's result. */
export async function measure(
  autocannon: Autocannon,
  options: Parameters<Autocannon>[0],
): Promise<{ result: AutocannonResult; measured: number[] }> {
  const run = autocannon(options);
  const measured: number[] = [];
  run.on('response', (_client, status, _bytes, ms) => {
    if (status >= 200 && status < 300) measured.push(ms);
  });
  const result = await run;
  return { result, measured: measured.sort((a, b) => a - b) };
}

/** The p-th percentile (0–100) of ascending `sorted`, nearest rank. */
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** `as measured (every 2xx response once): p50 … ms, p99 … ms, max … ms, <n> responses` */
export function measuredLine(measured: number[]): string {
  return (
    `as measured (every 2xx response once): p50 ${percentile(measured, 50).toFixed(1)} ms, ` +
    `p99 ${percentile(measured, 99).toFixed(1)} ms, max ${(measured.at(-1) ?? NaN).toFixed(1)} ms, ` +
    `${measured.length} responses`
  );
}
