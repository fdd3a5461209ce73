// The floor bench:api's load pattern sets on this machine: `npm run bench:http-floor`.
//
// A bare node:http server in a child process that spends BENCH_FLOOR_CPU_MS (default 1.2, what
// GET /deposits costs clearhouse's server) of CPU per request and answers BENCH_FLOOR_BYTES (default
// 34 000, a page of 44 deposits) of JSON, driven by autocannon exactly as bench:api drives a route:
// BENCH_RATE (200) requests/s for BENCH_SECONDS (30) over BENCH_CONNECTIONS (20) connections. autocannon
// paces a rate per connection (each sends its share of a second back to back), so the latency it
// reports is mostly queueing, and this run shows how much of it any server of that CPU cost would see
// here, before clearhouse does anything. Prints
//   floor <cpu> ms CPU, <bytes> B: p50 <ms> ms, p99 <ms> ms, errors <n>, requests <n>, load <1-min load>
//   floor: as measured (every 2xx response once): p50 <ms> ms, p99 <ms> ms, max <ms> ms, <n> responses
// A figure for comparison, never asserted anywhere.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { loadAutocannon, measure, measuredLine } from './autocannon.js';

const RATE = Number(process.env.BENCH_RATE ?? 200);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);
const CPU_MS = Number(process.env.BENCH_FLOOR_CPU_MS ?? 1.2);
const BYTES = Number(process.env.BENCH_FLOOR_BYTES ?? 34_000);

// The server: busy for CPU_MS on the event loop per request (as a handler's own work would be),
// then one JSON body of BYTES. It prints its port once listening.
const SERVER = `
const http = require('node:http');
const body = JSON.stringify({ pad: 'x'.repeat(Math.max(0, ${BYTES} - 10)) });
const busyNs = BigInt(Math.round(${CPU_MS} * 1e6));
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const until = process.hrtime.bigint() + busyNs;
    while (process.hrtime.bigint() < until);
    res.setHeader('content-type', 'application/json');
    res.end(body);
  });
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

async function main(): Promise<void> {
  const autocannon = await loadAutocannon();
  const server = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const [chunk] = (await once(server.stdout!, 'data')) as [Buffer];
    const url = `http://127.0.0.1:${Number(chunk.toString().trim())}`;
    // Warm-up as bench:api does before its routes.
    await autocannon({ url, connections: 4, overallRate: 20, duration: 2 });
    const { result, measured } = await measure(autocannon, {
      url,
      connections: CONNECTIONS,
      overallRate: RATE,
      duration: SECONDS,
    });
    const load = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
    console.log(
      `floor ${CPU_MS} ms CPU, ${BYTES} B: p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, ` +
        `errors ${result.errors}, requests ${result.requests.total}, ${CONNECTIONS} connections at ${RATE}/s, load ${load}`,
    );
    console.log(`floor: ${measuredLine(measured)}`);
  } finally {
    server.kill('SIGTERM');
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
