// The carbon registries: where certificates move between holding accounts (the EU Union Registry for
// EUA, China's national registry for CEA). Production plugs each registry's API in behind
// RegistryAdapter; development and tests use SimulatedRegistry, which keeps its own ledger of
// transfers in PostgreSQL (table simulated_registry_transfer) and can be told to be slow, closed
// outside business hours, down, and to refuse transfers.
//
// Exactly once: callers derive `transferId` from their workflow (`<workflowId>/<step>`) and send the
// same id on every retry. A registry that already has that id answers the first transfer's outcome
// instead of moving the certificates again — what a real registry's transaction identifier gives,
// and what SimulatedRegistry enforces with the table's primary key. Its table is therefore the proof
// that no retry ever delivered twice.
import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { AssetCode } from '../domain/money.js';
import { isWithinTradingHours, type TradingHours } from '../domain/trading-policy.js';

export type RegistryCode = 'EU' | 'CN';
export const REGISTRY_CODES: readonly RegistryCode[] = ['EU', 'CN'];

/** Which registry holds each certificate asset. */
export const REGISTRY_OF_ASSET: Readonly<Partial<Record<AssetCode, RegistryCode>>> = { EUA: 'EU', CEA: 'CN' };

export function registryOfAsset(asset: AssetCode): RegistryCode | null {
  return REGISTRY_OF_ASSET[asset] ?? null;
}

/**
 * Our own holding accounts at each registry: the omnibus where clients' certificates sit, and the
 * internal venue's settlement account that settlement nets against (like an exchange's clearing
 * house account). Account ids in each registry's own format.
 */
export const PLATFORM_REGISTRY_ACCOUNTS: Readonly<
  Record<RegistryCode, { omnibus: string; venueSettlement: string }>
> = {
  EU: { omnibus: 'EU-100-5000001-0-52', venueSettlement: 'EU-100-5000002-0-25' },
  CN: { omnibus: 'CN-OMNIBUS-0001', venueSettlement: 'CN-VENUE-0001' },
};

export interface RegistryDelivery {
  /** Derived from the workflow: the same id on every retry, so retries never deliver twice. */
  transferId: string;
  registry: RegistryCode;
  asset: AssetCode;
  /** Whole certificates (the asset's minor units; certificates have scale 0). */
  quantity: bigint;
  /** Registry account id, or our omnibus (PLATFORM_REGISTRY_ACCOUNTS). */
  from: string;
  to: string;
}

export type RegistryAnswer =
  { status: 'DELIVERED'; registryReference: string; at: Date } | { status: 'REJECTED'; reason: string };

export interface RegistryAdapter {
  /**
   * Moves the certificates, or answers the first outcome for the same transferId. A refusal is an
   * answer (REJECTED); an outage or closed registry throws RegistryUnavailableError (retry later with
   * the same transferId).
   */
  deliver(d: RegistryDelivery): Promise<RegistryAnswer>;
  /** The transfer with this id, if the registry has it (answers what happened after a lost reply). */
  transfer(transferId: string): Promise<(RegistryAnswer & { delivery: RegistryDelivery }) | null>;
  /** Every account's holding per asset at this registry, from its own books (reconciliation). */
  positions(registry: RegistryCode): Promise<{ account: string; asset: AssetCode; quantity: bigint }[]>;
  /** Whether the account exists at the registry, and in whose name. */
  confirmAccount(
    registry: RegistryCode,
    accountId: string,
  ): Promise<{ exists: boolean; holderName: string | null }>;
}

/** The registry is not answering or is closed: transient, retry with the same transferId. */
export class RegistryUnavailableError extends Error {
  override readonly name = 'RegistryUnavailableError';
}

// ---------------------------------------------------------------------------------------------
// The simulated registry

/** What the simulated registry does on one delivery call (tests inject them per account). */
export type RegistryFault =
  /** Down: refuses before doing anything (transient). */
  | { kind: 'unavailable' }
  /** Delivers, then the answer is lost: the caller sees an outage (transient). */
  | { kind: 'deliver_then_unavailable' }
  /** Answers only after `ms`. */
  | { kind: 'latency'; ms: number }
  /** Refuses the transfer for good. */
  | { kind: 'reject'; reason: string };

export interface SimulatedRegistryOptions {
  /** Latency of every call. */
  latencyMs?: number;
  /** When the registry processes transfers; outside them deliveries are refused as transient. */
  businessHours?: TradingHours;
  /** Down: every delivery throws RegistryUnavailableError. */
  outage?: boolean;
  /** Deliveries to or from these accounts are rejected (`account_blocked`). */
  rejectAccounts?: string[];
  /** Share of deliveries rejected (0..1), chosen from the transfer id so a retry gets the same answer. */
  rejectRate?: number;
  /** Accounts the registry does not know (confirmAccount answers exists: false). */
  unknownAccounts?: string[];
  /** Holder names the registry answers in confirmAccount, by account id. */
  holders?: Record<string, string>;
}

/** Options from REGISTRY_SIM_JSON (e.g. `{"latencyMs":300,"rejectRate":0.02}`); {} when unset. */
export function registrySimOptionsFromEnv(
  env: Record<string, string | undefined> = process.env,
): SimulatedRegistryOptions {
  const text = env.REGISTRY_SIM_JSON;
  if (!text) return {};
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new Error('REGISTRY_SIM_JSON must be a JSON object');
  const options = parsed as SimulatedRegistryOptions;
  if (options.rejectRate !== undefined && !(options.rejectRate >= 0 && options.rejectRate <= 1))
    throw new Error('REGISTRY_SIM_JSON rejectRate must be from 0 to 1');
  return options;
}

interface TransferRow {
  transfer_id: string;
  registry: RegistryCode;
  asset: AssetCode;
  quantity: string;
  from_account: string;
  to_account: string;
  status: 'DELIVERED' | 'REJECTED';
  registry_reference: string | null;
  reason: string | null;
  created_at: Date;
}

export class SimulatedRegistry implements RegistryAdapter {
  /** Faults by account (either end of a delivery), consumed one per call in order. */
  private readonly faults = new Map<string, RegistryFault[]>();
  /** Every delivery call, failed ones included, in order. */
  readonly calls: { transferId: string; outcome: string }[] = [];

  constructor(
    private readonly pool: pg.Pool,
    /** Mutable on purpose: tests switch outages and rejections on and off while a worker runs. */
    readonly options: SimulatedRegistryOptions = registrySimOptionsFromEnv(),
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The next deliveries touching `account` behave as `faults`, one per call; later calls are normal. */
  inject(account: string, ...faults: RegistryFault[]): void {
    this.faults.set(account, [...(this.faults.get(account) ?? []), ...faults]);
  }

  async deliver(d: RegistryDelivery): Promise<RegistryAnswer> {
    assertDelivery(d);
    const fault = this.faults.get(d.to)?.shift() ?? this.faults.get(d.from)?.shift();
    const record = (outcome: string) => this.calls.push({ transferId: d.transferId, outcome });
    const delay = (fault?.kind === 'latency' ? fault.ms : 0) + (this.options.latencyMs ?? 0);
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));

    // A transfer the registry already has answers the same, open or not, down or not: the caller
    // asking again after a lost answer must learn the truth, never cause a second transfer.
    const known = await this.transfer(d.transferId);
    if (known) {
      if (!sameDelivery(known.delivery, d))
        throw new Error(`transfer id ${d.transferId} was used for another delivery`);
      record(`repeat:${known.status}`);
      return answerOf(known);
    }
    if (this.options.outage || fault?.kind === 'unavailable') {
      record('unavailable');
      throw new RegistryUnavailableError(`the ${d.registry} registry is not answering (simulated)`);
    }
    const hours = this.options.businessHours ?? { kind: 'always' };
    if (!isWithinTradingHours(hours, this.now().getTime())) {
      record('closed');
      throw new RegistryUnavailableError(
        `the ${d.registry} registry is closed outside business hours (simulated)`,
      );
    }
    const reason = this.rejectionOf(d, fault);
    const answer = await this.store(d, reason);
    if (fault?.kind === 'deliver_then_unavailable') {
      record('delivered_then_unavailable');
      throw new RegistryUnavailableError(
        `the ${d.registry} registry did not answer in time (simulated, after delivering)`,
      );
    }
    record(answer.status === 'DELIVERED' ? 'delivered' : `rejected:${answer.reason}`);
    return answer;
  }

  /**
   * A transfer that reached our omnibus from outside (a client's own registry account): recorded on
   * the registry's books like any other, so positions() sees it. Idempotent by transferId.
   */
  async simulateIncoming(d: RegistryDelivery): Promise<RegistryAnswer> {
    assertDelivery(d);
    const known = await this.transfer(d.transferId);
    if (known) return answerOf(known);
    return this.store(d, null);
  }

  private rejectionOf(d: RegistryDelivery, fault: RegistryFault | undefined): string | null {
    if (fault?.kind === 'reject') return fault.reason;
    const blocked = this.options.rejectAccounts ?? [];
    if (blocked.includes(d.to) || blocked.includes(d.from)) return 'account_blocked';
    const rate = this.options.rejectRate ?? 0;
    if (rate > 0 && unitIntervalOf(d.transferId) < rate) return 'rejected_by_registry';
    return null;
  }

  /** Records the outcome once per transferId; a concurrent twin finds the first row and answers it. */
  private async store(d: RegistryDelivery, reason: string | null): Promise<RegistryAnswer> {
    const status = reason === null ? 'DELIVERED' : 'REJECTED';
    const reference = reason === null ? `SIMREG-${d.registry}-${digestOf(d.transferId).slice(0, 16)}` : null;
    await this.pool.query(
      `INSERT INTO simulated_registry_transfer
         (transfer_id, registry, asset, quantity, from_account, to_account, status, registry_reference, reason)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (transfer_id) DO NOTHING`,
      [d.transferId, d.registry, d.asset, d.quantity.toString(), d.from, d.to, status, reference, reason],
    );
    const stored = await this.transfer(d.transferId);
    if (!stored) throw new RegistryUnavailableError('the transfer vanished (simulated)');
    if (!sameDelivery(stored.delivery, d))
      throw new Error(`transfer id ${d.transferId} was used for another delivery`);
    return answerOf(stored);
  }

  async transfer(transferId: string): Promise<(RegistryAnswer & { delivery: RegistryDelivery }) | null> {
    const { rows } = await this.pool.query<TransferRow>(
      `SELECT transfer_id, registry, asset, quantity::text AS quantity, from_account, to_account, status,
              registry_reference, reason, created_at
         FROM simulated_registry_transfer WHERE transfer_id = $1`,
      [transferId],
    );
    const row = rows[0];
    if (!row) return null;
    const delivery: RegistryDelivery = {
      transferId: row.transfer_id,
      registry: row.registry,
      asset: row.asset,
      quantity: BigInt(row.quantity),
      from: row.from_account,
      to: row.to_account,
    };
    if (row.status === 'DELIVERED') {
      if (row.registry_reference === null)
        throw new Error(`delivered transfer ${transferId} has no reference`);
      return { status: 'DELIVERED', registryReference: row.registry_reference, at: row.created_at, delivery };
    }
    return { status: 'REJECTED', reason: row.reason ?? 'rejected_by_registry', delivery };
  }

  /** Net of delivered transfers per account and asset (in minus out); accounts at zero are left out. */
  async positions(
    registry: RegistryCode,
  ): Promise<{ account: string; asset: AssetCode; quantity: bigint }[]> {
    const { rows } = await this.pool.query<{ account: string; asset: AssetCode; quantity: string }>(
      `SELECT account, asset, sum(quantity)::text AS quantity FROM (
           SELECT to_account AS account, asset, quantity FROM simulated_registry_transfer
            WHERE registry = $1 AND status = 'DELIVERED'
           UNION ALL
           SELECT from_account, asset, -quantity FROM simulated_registry_transfer
            WHERE registry = $1 AND status = 'DELIVERED'
         ) movements
        GROUP BY account, asset
       HAVING sum(quantity) <> 0
        ORDER BY account, asset`,
      [registry],
    );
    return rows.map((r) => ({ account: r.account, asset: r.asset, quantity: BigInt(r.quantity) }));
  }

  async confirmAccount(
    registry: RegistryCode,
    accountId: string,
  ): Promise<{ exists: boolean; holderName: string | null }> {
    if (!REGISTRY_CODES.includes(registry)) throw new TypeError(`unknown registry "${String(registry)}"`);
    if (this.options.outage)
      throw new RegistryUnavailableError(`the ${registry} registry is not answering (simulated)`);
    if ((this.options.unknownAccounts ?? []).includes(accountId)) return { exists: false, holderName: null };
    return { exists: true, holderName: this.options.holders?.[accountId] ?? null };
  }

  /** How many transfers the registry executed under `transferId` (0 or 1: the proof of exactly once). */
  async count(transferId: string): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM simulated_registry_transfer WHERE transfer_id = $1',
      [transferId],
    );
    return rows[0]?.n ?? 0;
  }
}

function assertDelivery(d: RegistryDelivery): void {
  if (typeof d.transferId !== 'string' || d.transferId === '' || d.transferId.length > 300)
    throw new TypeError('a registry delivery needs a transfer id of 1 to 300 characters');
  if (!REGISTRY_CODES.includes(d.registry)) throw new TypeError(`unknown registry "${String(d.registry)}"`);
  if (REGISTRY_OF_ASSET[d.asset] !== d.registry)
    throw new TypeError(`${d.asset} is not held at the ${d.registry} registry`);
  if (typeof d.quantity !== 'bigint' || d.quantity <= 0n)
    throw new TypeError(`a registry delivery needs a positive bigint quantity, got ${String(d.quantity)}`);
  if (d.from === d.to) throw new TypeError('a registry delivery needs two different accounts');
}

function sameDelivery(a: RegistryDelivery, b: RegistryDelivery): boolean {
  return (
    a.registry === b.registry &&
    a.asset === b.asset &&
    a.quantity === b.quantity &&
    a.from === b.from &&
    a.to === b.to
  );
}

function answerOf(t: RegistryAnswer): RegistryAnswer {
  return t.status === 'DELIVERED'
    ? { status: 'DELIVERED', registryReference: t.registryReference, at: t.at }
    : { status: 'REJECTED', reason: t.reason };
}

function digestOf(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A number in [0, 1) fixed by the text: the same transfer id always draws the same. */
function unitIntervalOf(text: string): number {
  return Number.parseInt(digestOf(text).slice(0, 12), 16) / 2 ** 48;
}
