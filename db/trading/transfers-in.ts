// Certificates that reached a client from the registry (ledger entries of kind
// `registry.transfer_in` crediting the client's available account): the opening lots of positions
// that were never bought on the platform (the demo seed gives each demo client 10 000 EUA and CEA).
import type pg from 'pg';
import { isUuid } from '../../domain/ids.js';
import { isAssetCode, type AssetCode } from '../../domain/money.js';

export const REGISTRY_TRANSFER_IN_KIND = 'registry.transfer_in';

export interface TransferIn {
  entryId: string;
  asset: AssetCode;
  quantityMinor: bigint;
  at: string;
}

/** The client's transfers in, oldest first. */
export async function transfersInOfClient(pool: pg.Pool, clientId: string): Promise<TransferIn[]> {
  if (!isUuid(clientId)) return [];
  const { rows } = await pool.query<{ id: string; asset: string; credit: string; effective_at: Date }>(
    `SELECT e.id, l.asset, l.credit, e.effective_at
       FROM journal_entry e
       JOIN journal_line l ON l.entry_id = e.id
       JOIN ledger_account a ON a.id = l.account_id
      WHERE e.kind = $2
        AND a.owner_id = $1
        AND a.code = 'client:' || $1::text || ':' || a.asset || ':available'
        AND l.credit > 0
        AND NOT l.pending
      ORDER BY e.seq`,
    [clientId.toLowerCase(), REGISTRY_TRANSFER_IN_KIND],
  );
  return rows.flatMap((row) =>
    isAssetCode(row.asset)
      ? [
          {
            entryId: row.id,
            asset: row.asset,
            quantityMinor: BigInt(row.credit),
            at: row.effective_at.toISOString(),
          },
        ]
      : [],
  );
}
