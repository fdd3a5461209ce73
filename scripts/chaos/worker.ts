// The chaos stack's worker process: the worker of activities/worker.ts, the same loop and the same
// simulated partners, each behind the outage switch of PARTNER_OUTAGES_FILE (partners.ts).
import { SimulatedBank } from '../../activities/bank-adapter.js';
import { PaperBroker } from '../../activities/broker-adapter.js';
import { SimulatedRegistry } from '../../activities/registry-adapter.js';
import { runWorkerProcess } from '../../activities/worker.js';
import { getPool } from '../../db/pool.js';
import { outageReader, withOutage } from './partners.js';

const file = process.env.PARTNER_OUTAGES_FILE;
if (!file) throw new Error('PARTNER_OUTAGES_FILE names the outage switch file');
const isDown = outageReader(file);
const pool = getPool();

runWorkerProcess({
  bank: withOutage(new SimulatedBank(pool), 'bank', isDown),
  registry: withOutage(new SimulatedRegistry(pool), 'registry', isDown),
  broker: withOutage(new PaperBroker(pool), 'broker', isDown),
}).catch((error) => {
  console.error(error);
  process.exit(1);
});
