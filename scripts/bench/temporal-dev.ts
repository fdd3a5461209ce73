// The Temporal dev server's options of a benchmark's own stack (bench:start-rate, bench:api), from
// the environment, and the line that names them in the benchmark's output.
//   BENCH_TEMPORAL_MEMORY=1 / =0   state in memory (no --db-filename) / in the stack's SQLite file
//   BENCH_TEMPORAL_ARGS            more start-dev arguments, whitespace-separated, e.g.
//                                  "--sqlite-pragma journal_mode=wal --sqlite-pragma synchronous=normal"
// These are for measuring (what bounds the dev server's start rate, issue 15), not for production:
// a production Temporal is a cluster on its own database (docker-compose.yml).
import type { TemporalDevOptions } from '../chaos/stack/temporal.js';

export function temporalDevFromEnv(defaults: TemporalDevOptions = {}): TemporalDevOptions {
  const memory = process.env.BENCH_TEMPORAL_MEMORY;
  const args = process.env.BENCH_TEMPORAL_ARGS;
  return {
    inMemory: memory === undefined ? (defaults.inMemory ?? false) : memory === '1',
    extraArgs: args === undefined ? (defaults.extraArgs ?? []) : args.split(/\s+/).filter(Boolean),
  };
}

export function describeTemporalDev(dev: TemporalDevOptions): string {
  const extra = dev.extraArgs?.length ? dev.extraArgs.join(' ') : 'no extra options';
  return `Temporal dev server: ${dev.inMemory ? 'in memory' : 'SQLite file'}, ${extra}`;
}
