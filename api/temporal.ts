import { Client, Connection } from '@temporalio/client';
import { config } from '../db/config.js';

let shared: Promise<Client> | undefined;

/** The server's Temporal client, connected lazily once. */
export function getTemporalClient(): Promise<Client> {
  shared ??= Connection.connect({ address: config.temporalAddress }).then(
    (connection) => new Client({ connection, namespace: config.temporalNamespace }),
  );
  shared.catch(() => (shared = undefined));
  return shared;
}

export async function closeTemporalClient(): Promise<void> {
  const client = await shared?.catch(() => undefined);
  shared = undefined;
  await client?.connection.close();
}
