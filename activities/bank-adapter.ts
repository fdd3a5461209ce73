// The payout bank: where withdrawals leave the platform. Production plugs a real bank (SEPA credit
// transfer API) in behind BankAdapter; development and tests use SimulatedBank, which keeps its own
// ledger of payouts in PostgreSQL (table simulated_bank_payout) and can be told to be slow, to time
// out (before or AFTER paying) and to refuse for good.
//
// Exactly once: the caller derives `payoutId` from the withdrawal (domain/withdrawal.ts
// withdrawalPayoutId) and sends the same id on every retry. A bank that already executed that id
// answers with the first payout's reference instead of paying again — the contract every real
// payout API offers through an end-to-end id / idempotency key, and the one SimulatedBank enforces
// with a unique key on payout_id.
import type pg from 'pg';
import { formatAmount, parseAmount, type AssetCode } from '../domain/money.js';

export interface PayoutRequest {
  /** Same id on every attempt for one withdrawal; the bank pays it at most once. */
  payoutId: string;
  /** Decimal string in asset units. */
  amount: string;
  currency: AssetCode;
  iban: string;
  bic: string;
  /** Beneficiary (account holder) name. */
  name: string;
  /** Remittance information shown on the client's statement. */
  reference?: string;
}

export interface PayoutResult {
  /** The bank's reference of the executed payout. */
  bankReference: string;
}

export interface BankAdapter {
  /**
   * Executes the payout, or answers the earlier result for the same payoutId. Throws BankError:
   * `definitive` ones will fail the same way again (account closed); any other error is transient
   * and the call may be retried with the same payoutId.
   */
  payout(request: PayoutRequest): Promise<PayoutResult>;
}

/** A bank's refusal or failure. `definitive`: retrying cannot help (the withdrawal fails). */
export class BankError extends Error {
  override readonly name = 'BankError';
  constructor(
    readonly code: string,
    message: string,
    readonly definitive: boolean,
  ) {
    super(message);
  }
}

// ---------------------------------------------------------------------------------------------
// The simulated bank

/** What the simulated bank does on one call. */
export type BankFault =
  /** Down: refuses before doing anything (transient). */
  | { kind: 'unavailable' }
  /** Pays, then the answer is lost: the caller sees a timeout (transient). */
  | { kind: 'timeout_after_paying' }
  /** Times out before paying (transient). */
  | { kind: 'timeout_before_paying' }
  /** Answers only after `ms` (the activity may time out meanwhile and retry). */
  | { kind: 'latency'; ms: number }
  /** Refuses for good: account closed, invalid account, ... */
  | { kind: 'refuse'; code: string; message?: string };

export interface SimulatedBankOptions {
  /** Latency of every call. */
  latencyMs?: number;
}

export interface SimulatedPayout {
  payoutId: string;
  amount: string;
  currency: AssetCode;
  iban: string;
  bic: string;
  name: string;
  bankReference: string;
  createdAt: string;
}

interface PayoutRow {
  payout_id: string;
  amount_minor: string;
  currency: AssetCode;
  iban: string;
  bic: string;
  beneficiary_name: string;
  bank_reference: string;
  created_at: Date;
}

export class SimulatedBank implements BankAdapter {
  /** Faults by IBAN, consumed one per call in order. */
  private readonly faults = new Map<string, BankFault[]>();
  /** IBANs whose account is closed: every payout to them is refused for good. */
  private readonly closed = new Map<string, string>();
  /** Every call, failed ones included, in order. */
  readonly calls: { payoutId: string; iban: string; outcome: string }[] = [];

  constructor(
    private readonly pool: pg.Pool,
    private readonly options: SimulatedBankOptions = {},
  ) {}

  /** The next calls paying to `iban` behave as `faults`, one per call; later calls are normal. */
  inject(iban: string, ...faults: BankFault[]): void {
    this.faults.set(iban, [...(this.faults.get(iban) ?? []), ...faults]);
  }

  /** Every payout to `iban` is refused for good with `code`. */
  closeAccount(iban: string, code = 'account_closed'): void {
    this.closed.set(iban, code);
  }

  async payout(request: PayoutRequest): Promise<PayoutResult> {
    const fault = this.faults.get(request.iban)?.shift();
    const record = (outcome: string) =>
      this.calls.push({ payoutId: request.payoutId, iban: request.iban, outcome });
    const delay = (fault?.kind === 'latency' ? fault.ms : 0) + (this.options.latencyMs ?? 0);
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));

    if (fault?.kind === 'unavailable') {
      record('unavailable');
      throw new BankError('bank_unavailable', 'the bank is not answering (simulated)', false);
    }
    if (fault?.kind === 'timeout_before_paying') {
      record('timeout');
      throw new BankError('bank_timeout', 'the bank did not answer in time (simulated)', false);
    }
    const refusal =
      fault?.kind === 'refuse'
        ? fault
        : this.closed.has(request.iban)
          ? { code: this.closed.get(request.iban)!, message: undefined }
          : null;
    if (refusal) {
      record(`refused:${refusal.code}`);
      throw new BankError(
        refusal.code,
        refusal.message ?? `the bank refused the payout: ${refusal.code.replaceAll('_', ' ')} (simulated)`,
        true,
      );
    }

    const paid = await this.execute(request);
    if (fault?.kind === 'timeout_after_paying') {
      record('paid_then_timeout');
      throw new BankError('bank_timeout', 'the bank did not answer in time (simulated, after paying)', false);
    }
    record('paid');
    return { bankReference: paid.bankReference };
  }

  /** Pays once per payoutId: a repeated id returns the first payout (same amount and account required). */
  private async execute(request: PayoutRequest): Promise<SimulatedPayout> {
    const minor = parseAmount(request.currency, request.amount);
    const reference = `SIMBANK-${request.payoutId}`;
    await this.pool.query(
      `INSERT INTO simulated_bank_payout (payout_id, amount_minor, currency, iban, bic, beneficiary_name, bank_reference)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (payout_id) DO NOTHING`,
      [
        request.payoutId,
        minor.toString(),
        request.currency,
        request.iban,
        request.bic,
        request.name,
        reference,
      ],
    );
    const existing = await this.find(request.payoutId);
    if (!existing) throw new BankError('bank_error', 'the payout vanished (simulated)', false);
    if (existing.amount !== formatAmount(request.currency, minor) || existing.iban !== request.iban) {
      throw new BankError('duplicate_payout_id', 'this payout id was used for another payout', true);
    }
    return existing;
  }

  /** The bank's own ledger: the payout with this id, if it was executed. */
  async find(payoutId: string): Promise<SimulatedPayout | null> {
    const { rows } = await this.pool.query<PayoutRow>(
      `SELECT payout_id, amount_minor::text AS amount_minor, currency, iban, bic, beneficiary_name, bank_reference, created_at
         FROM simulated_bank_payout WHERE payout_id = $1`,
      [payoutId],
    );
    const row = rows[0];
    return row ? toPayout(row) : null;
  }

  /** How many payouts the bank executed for `payoutId` (0 or 1: the proof of exactly once). */
  async count(payoutId: string): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM simulated_bank_payout WHERE payout_id = $1',
      [payoutId],
    );
    return rows[0]!.n;
  }
}

function toPayout(row: PayoutRow): SimulatedPayout {
  return {
    payoutId: row.payout_id,
    amount: formatAmount(row.currency, BigInt(row.amount_minor)),
    currency: row.currency,
    iban: row.iban,
    bic: row.bic,
    name: row.beneficiary_name,
    bankReference: row.bank_reference,
    createdAt: row.created_at.toISOString(),
  };
}
