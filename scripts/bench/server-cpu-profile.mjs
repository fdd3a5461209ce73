// A CPU profile of the API server under a benchmark (node's --cpu-prof is not allowed in
// NODE_OPTIONS, and the stack passes its flags to the server that way):
//   BENCH_NODE_OPTIONS="--import ./scripts/bench/server-cpu-profile.mjs" CPU_PROFILE_DIR=/tmp/prof npm run bench:api
// writes <dir>/server-<pid>.cpuprofile when the server is stopped (SIGTERM), for Chrome DevTools or
// any .cpuprofile reader. Only the process running api/server.ts profiles itself; others load nothing.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

const SAMPLING_INTERVAL_US = 500;

if (process.argv.some((arg) => arg.endsWith('api/server.ts'))) {
  const dir = process.env.CPU_PROFILE_DIR || '/tmp';
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: SAMPLING_INTERVAL_US });
  session.post('Profiler.start');
  // Before the server's own SIGTERM handler exits; the in-process session answers synchronously.
  process.prependOnceListener('SIGTERM', () => {
    session.post('Profiler.stop', (error, result) => {
      if (error) console.error(`cpu profile: ${error.message}`);
      else writeFileSync(join(dir, `server-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
