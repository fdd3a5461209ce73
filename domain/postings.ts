// Chart of accounts and posting recipes. Pure functions, no I/O: each recipe names the accounts and
// amounts of one business event; the ledger engine (db/ledger) checks and records it. A recipe returns
// `{ kind, description, transfers }`; the caller adds the idempotency key and workflow identity:
//
//   await postEntry(db, { idempotencyKey, workflowId, ...depositConfirm(clientId, 'EUR', 10_000n) });
//
// Hold resolutions (withdrawal post/void, order reservation post/release) only carry `{ kind,
// description }`: the accounts and amounts come from the hold itself (postHold / voidHold).

import { isUuid } from './ids.js';
import { ASSETS, formatAmount, isAssetCode, isCashAsset, isTradableAsset, type AssetCode } from './money.js';

export type ClientAccountRole = 'available' | 'held' | 'pending_settlement';
export const CLIENT_ACCOUNT_ROLES: readonly ClientAccountRole[] = ['available', 'held', 'pending_settlement'];

/**
 * System accounts; `omnibus` is the bank account for cash, the registry account for certificates and
 * the custody account for listed securities (held with the broker's custodian).
 */
export type SystemAccountRole = 'omnibus' | 'venue_clearing' | 'fees_revenue' | 'suspense';

export type AccountKind = 'asset' | 'liability' | 'equity' | 'revenue' | 'expense';

/** One movement of `amount` minor units from `debit` to `credit` (account codes, same asset). */
export interface PostingTransfer {
  debit: string;
  credit: string;
  amount: bigint;
}

export interface PostingRecipe {
  kind: string;
  description: string;
  transfers: PostingTransfer[];
}

/** For postHold / voidHold: the hold supplies accounts and amounts. */
export interface HoldResolutionRecipe {
  kind: string;
  description: string;
}

function assertClientId(clientId: string): void {
  if (!isUuid(clientId)) throw new TypeError(`client id must be a UUID, got "${clientId}"`);
}

function assertAsset(asset: string): asserts asset is AssetCode {
  if (!isAssetCode(asset)) throw new TypeError(`unknown asset "${asset}"`);
}

function assertCash(asset: AssetCode, what: string): void {
  if (!isCashAsset(asset)) throw new TypeError(`${what} needs a cash asset, got ${asset}`);
}

function assertTradable(asset: AssetCode, what: string): void {
  if (!isTradableAsset(asset))
    throw new TypeError(`${what} needs a certificate or security asset, got ${asset}`);
}

/**
 * Recipes do not judge amounts (the engine answers `invalid_amount` for those, with the error code the
 * API maps), but they must be bigints so that a JavaScript number never reaches the books.
 */
function assertBigint(amount: bigint): void {
  if (typeof amount !== 'bigint')
    throw new TypeError(`amount must be a bigint of minor units, got ${typeof amount}`);
}

/** Formats for descriptions; tolerates amounts the engine will reject so the recipe itself never throws on them. */
function show(asset: AssetCode, amount: bigint): string {
  return `${formatAmount(asset, amount)} ${asset}`;
}

/** `client:<clientId>:<asset>:<role>`, the client's liability accounts. */
export function clientAccountCode(clientId: string, asset: AssetCode, role: ClientAccountRole): string {
  assertClientId(clientId);
  assertAsset(asset);
  if (!CLIENT_ACCOUNT_ROLES.includes(role)) throw new TypeError(`unknown client account role "${role}"`);
  return `client:${clientId.toLowerCase()}:${asset}:${role}`;
}

/**
 * `bank:omnibus:<ccy>`, `registry:omnibus:<cert>`, `custody:omnibus:<security>`, `venue:clearing:<asset>`,
 * `fees:revenue:<ccy>`, `suspense:<asset>`.
 */
export function systemAccountCode(role: SystemAccountRole, asset: AssetCode): string {
  assertAsset(asset);
  switch (role) {
    case 'omnibus':
      return `${OMNIBUS_HOLDER[ASSETS[asset].kind]}:omnibus:${asset}`;
    case 'venue_clearing':
      return `venue:clearing:${asset}`;
    case 'fees_revenue':
      assertCash(asset, 'fees:revenue');
      return `fees:revenue:${asset}`;
    case 'suspense':
      return `suspense:${asset}`;
    default: {
      const unknown: never = role;
      throw new TypeError(`unknown system account role "${String(unknown)}"`);
    }
  }
}

/** Who holds our omnibus position of each kind of asset. */
const OMNIBUS_HOLDER = { cash: 'bank', certificate: 'registry', security: 'custody' } as const;

export interface SystemAccountDefinition {
  code: string;
  asset: AssetCode;
  kind: AccountKind;
  debitsMustNotExceedCredits: boolean;
  creditsMustNotExceedDebits: boolean;
}

/**
 * The whole system chart. Omnibus accounts mirror real bank / registry holdings: assets that can never
 * pay out more than came in (credits must not exceed debits). Clearing, revenue and suspense accounts
 * carry either sign and have no flags.
 */
export function systemAccountDefinitions(): SystemAccountDefinition[] {
  const definitions: SystemAccountDefinition[] = [];
  for (const asset of Object.keys(ASSETS) as AssetCode[]) {
    const plain = { asset, debitsMustNotExceedCredits: false, creditsMustNotExceedDebits: false };
    definitions.push({
      ...plain,
      code: systemAccountCode('omnibus', asset),
      kind: 'asset',
      creditsMustNotExceedDebits: true,
    });
    definitions.push({ ...plain, code: systemAccountCode('venue_clearing', asset), kind: 'asset' });
    if (isCashAsset(asset))
      definitions.push({ ...plain, code: systemAccountCode('fees_revenue', asset), kind: 'revenue' });
    definitions.push({ ...plain, code: systemAccountCode('suspense', asset), kind: 'liability' });
  }
  return definitions;
}

// --- Deposits -------------------------------------------------------------------------------------

/** Money arrived at the bank: it is ours to owe the client, but on AML hold. Dr bank:omnibus, Cr client held. */
export function depositConfirm(clientId: string, asset: AssetCode, amount: bigint): PostingRecipe {
  assertBigint(amount);
  return {
    kind: 'deposit.confirm',
    description: `Deposit of ${show(asset, amount)} received, on hold`,
    transfers: [
      {
        debit: systemAccountCode('omnibus', asset),
        credit: clientAccountCode(clientId, asset, 'held'),
        amount,
      },
    ],
  };
}

/** AML released the deposit. Dr client held, Cr client available. */
export function depositClear(clientId: string, asset: AssetCode, amount: bigint): PostingRecipe {
  assertBigint(amount);
  return {
    kind: 'deposit.clear',
    description: `Deposit of ${show(asset, amount)} cleared`,
    transfers: [
      {
        debit: clientAccountCode(clientId, asset, 'held'),
        credit: clientAccountCode(clientId, asset, 'available'),
        amount,
      },
    ],
  };
}

/** AML rejected the deposit; the money goes back to the sender. Dr client held, Cr bank:omnibus. */
export function depositReturn(clientId: string, asset: AssetCode, amount: bigint): PostingRecipe {
  assertBigint(amount);
  return {
    kind: 'deposit.return',
    description: `Deposit of ${show(asset, amount)} returned`,
    transfers: [
      {
        debit: clientAccountCode(clientId, asset, 'held'),
        credit: systemAccountCode('omnibus', asset),
        amount,
      },
    ],
  };
}

// --- Withdrawals ----------------------------------------------------------------------------------

/** To be recorded with `holdEntry`: reserves the client's available cash for a payout. */
export function withdrawalHold(clientId: string, asset: AssetCode, amount: bigint): PostingRecipe {
  assertCash(asset, 'a withdrawal');
  assertBigint(amount);
  return {
    kind: 'withdrawal.hold',
    description: `Withdrawal of ${show(asset, amount)} reserved`,
    transfers: [
      {
        debit: clientAccountCode(clientId, asset, 'available'),
        credit: systemAccountCode('omnibus', asset),
        amount,
      },
    ],
  };
}

/** With `postHold`: the bank paid out. */
export function withdrawalPost(): HoldResolutionRecipe {
  return { kind: 'withdrawal.post', description: 'Withdrawal paid out' };
}

/** With `voidHold`: rejected, cancelled or failed; the reservation is released. */
export function withdrawalVoid(reason: string): HoldResolutionRecipe {
  return { kind: 'withdrawal.void', description: `Withdrawal released: ${reason}` };
}

// --- Trading --------------------------------------------------------------------------------------

/** To be recorded with `holdEntry`: reserves what an order may spend (cash for a buy, certificates for a sell). */
export function orderReserve(clientId: string, asset: AssetCode, amount: bigint): PostingRecipe {
  assertBigint(amount);
  return {
    kind: 'order.reserve',
    description: `Order reservation of ${show(asset, amount)}`,
    transfers: [
      {
        debit: clientAccountCode(clientId, asset, 'available'),
        credit: clientAccountCode(clientId, asset, 'pending_settlement'),
        amount,
      },
    ],
  };
}

/** With `postHold` (optionally a partial amount): the filled part of the reservation is committed. */
export function orderReservePost(): HoldResolutionRecipe {
  return { kind: 'order.reserve.post', description: 'Order reservation committed to a fill' };
}

/** With `voidHold`: the order was cancelled or expired unfilled. */
export function orderReserveRelease(reason: string): HoldResolutionRecipe {
  return { kind: 'order.reserve.release', description: `Order reservation released: ${reason}` };
}

export interface TradeFillInput {
  clientId: string;
  side: 'buy' | 'sell';
  cashAsset: AssetCode;
  /** Cash minor units paid (buy) or received (sell). */
  cashAmount: bigint;
  /** The asset traded: a certificate (EUA, CEA) or a listed security (KRBN). */
  certificateAsset: AssetCode;
  /** Units received (buy) or delivered (sell). */
  quantity: bigint;
}

/**
 * A fill against the venue, after the committed reservation sits posted in the client's
 * pending_settlement account. The given leg leaves the client for the venue; the received leg becomes
 * a claim on the venue, pending settlement.
 *   buy:  Dr client cash pending_settlement, Cr venue:clearing cash;  Dr venue:clearing cert, Cr client cert pending_settlement
 *   sell: Dr client cert pending_settlement, Cr venue:clearing cert;  Dr venue:clearing cash, Cr client cash pending_settlement
 */
export function tradeFill(input: TradeFillInput): PostingRecipe {
  const { clientId, side, cashAsset, cashAmount, certificateAsset, quantity } = input;
  assertCash(cashAsset, 'a trade cash leg');
  assertTradable(certificateAsset, 'a trade asset leg');
  assertBigint(cashAmount);
  assertBigint(quantity);
  const [givenAsset, givenAmount, receivedAsset, receivedAmount] =
    side === 'buy'
      ? ([cashAsset, cashAmount, certificateAsset, quantity] as const)
      : ([certificateAsset, quantity, cashAsset, cashAmount] as const);
  return {
    kind: 'trade.fill',
    description: `${side === 'buy' ? 'Bought' : 'Sold'} ${show(certificateAsset, quantity)} for ${show(cashAsset, cashAmount)}`,
    transfers: [
      {
        debit: clientAccountCode(clientId, givenAsset, 'pending_settlement'),
        credit: systemAccountCode('venue_clearing', givenAsset),
        amount: givenAmount,
      },
      {
        debit: systemAccountCode('venue_clearing', receivedAsset),
        credit: clientAccountCode(clientId, receivedAsset, 'pending_settlement'),
        amount: receivedAmount,
      },
    ],
  };
}

/**
 * The trading fee of one fill, taken from the trade's pending-settlement cash: a buyer's reservation
 * included it (it was posted there with the fill's price), a seller's proceeds pay it.
 * Dr client <cash> pending_settlement, Cr fees:revenue:<cash>.
 */
export function tradeFee(clientId: string, cashAsset: AssetCode, amount: bigint): PostingRecipe {
  assertCash(cashAsset, 'a trade fee');
  assertBigint(amount);
  return {
    kind: 'trade.fee',
    description: `Trading fee of ${show(cashAsset, amount)}`,
    transfers: [
      {
        debit: clientAccountCode(clientId, cashAsset, 'pending_settlement'),
        credit: systemAccountCode('fees_revenue', cashAsset),
        amount,
      },
    ],
  };
}

/**
 * Certificates or securities the client moved into our registry or custody account from elsewhere
 * (`reference`: the registry's or custodian's transfer id). They are ours to owe the client at once:
 * the transfer has already settled at the registry. Dr omnibus, Cr client available.
 */
export function registryTransferIn(
  clientId: string,
  asset: AssetCode,
  quantity: bigint,
  reference: string,
): PostingRecipe {
  assertTradable(asset, 'a registry transfer');
  assertBigint(quantity);
  if (typeof reference !== 'string' || reference.trim() === '')
    throw new TypeError('a registry transfer needs the transfer reference');
  return {
    kind: 'registry.transfer_in',
    description: `Transfer in of ${show(asset, quantity)} (reference ${reference.trim()})`,
    transfers: [
      {
        debit: systemAccountCode('omnibus', asset),
        credit: clientAccountCode(clientId, asset, 'available'),
        amount: quantity,
      },
    ],
  };
}

export interface SettlementDeliverInput {
  clientId: string;
  asset: AssetCode;
  amount: bigint;
  /**
   * `in`: the venue delivered to us what the client bought or the proceeds of a sale; it lands in our
   * omnibus and becomes available to the client. `out`: we delivered what the client gave up.
   */
  direction: 'in' | 'out';
}

/**
 * Settlement of one leg with the venue.
 *   in:  Dr omnibus, Cr venue:clearing;  Dr client pending_settlement, Cr client available
 *   out: Dr venue:clearing, Cr omnibus
 */
export function settlementDeliver(input: SettlementDeliverInput): PostingRecipe {
  const { clientId, asset, amount, direction } = input;
  assertBigint(amount);
  const omnibus = systemAccountCode('omnibus', asset);
  const clearing = systemAccountCode('venue_clearing', asset);
  if (direction === 'in') {
    return {
      kind: 'settlement.deliver',
      description: `Settlement: ${show(asset, amount)} received from the venue`,
      transfers: [
        { debit: omnibus, credit: clearing, amount },
        {
          debit: clientAccountCode(clientId, asset, 'pending_settlement'),
          credit: clientAccountCode(clientId, asset, 'available'),
          amount,
        },
      ],
    };
  }
  assertClientId(clientId);
  return {
    kind: 'settlement.deliver',
    description: `Settlement: ${show(asset, amount)} delivered to the venue for client ${clientId}`,
    transfers: [{ debit: clearing, credit: omnibus, amount }],
  };
}

// --- Fees and reconciliation ----------------------------------------------------------------------

/** Dr client available, Cr fees:revenue. */
export function fee(clientId: string, asset: AssetCode, amount: bigint, reason: string): PostingRecipe {
  assertCash(asset, 'a fee');
  assertBigint(amount);
  return {
    kind: 'fee',
    description: `Fee of ${show(asset, amount)}: ${reason}`,
    transfers: [
      {
        debit: clientAccountCode(clientId, asset, 'available'),
        credit: systemAccountCode('fees_revenue', asset),
        amount,
      },
    ],
  };
}

/**
 * Brings the omnibus in line with the bank or registry statement, parking the difference in suspense
 * until it is explained. `surplus`: the statement shows more than the books (Dr omnibus, Cr suspense);
 * `shortfall`: less (Dr suspense, Cr omnibus).
 */
export function reconAdjust(
  asset: AssetCode,
  amount: bigint,
  direction: 'surplus' | 'shortfall',
  reason: string,
): PostingRecipe {
  assertBigint(amount);
  const omnibus = systemAccountCode('omnibus', asset);
  const suspense = systemAccountCode('suspense', asset);
  return {
    kind: 'recon.adjust',
    description: `Reconciliation ${direction} of ${show(asset, amount)}: ${reason}`,
    transfers: [
      direction === 'surplus'
        ? { debit: omnibus, credit: suspense, amount }
        : { debit: suspense, credit: omnibus, amount },
    ],
  };
}

// --- Client settlement (issue 11) -----------------------------------------------------------------

export interface ClientSettlementLeg {
  asset: AssetCode;
  /** The client's net obligation with the venue: positive it receives, negative it delivers. */
  netMinor: bigint;
  /** What moves from its pending_settlement to available (received gross, less fees taken there). */
  releaseMinor: bigint;
}

/**
 * The delivery of one client's settlement of one batch, after netting. For each asset:
 *   net > 0 (receives): Dr omnibus, Cr venue:clearing   — delivered to us from the venue
 *   net < 0 (delivers): Dr venue:clearing, Cr omnibus   — delivered by us to the venue
 *   release > 0:        Dr client pending_settlement, Cr client available
 * The fills left each client's net obligation in venue:clearing, so once every client of a batch
 * delivered, clearing is back to zero for its trades (and the omnibus moved by what really left or
 * arrived). Unlike `settlementDeliver` (one gross leg), the venue leg is the net of the client's
 * trades while the release is what it received gross: the given side left `available` at the fill.
 */
export function clientSettlementDeliver(
  clientId: string,
  legs: readonly ClientSettlementLeg[],
): PostingRecipe {
  assertClientId(clientId);
  const transfers: PostingTransfer[] = [];
  for (const leg of legs) {
    assertAsset(leg.asset);
    assertBigint(leg.netMinor);
    assertBigint(leg.releaseMinor);
    const omnibus = systemAccountCode('omnibus', leg.asset);
    const clearing = systemAccountCode('venue_clearing', leg.asset);
    if (leg.netMinor > 0n) transfers.push({ debit: omnibus, credit: clearing, amount: leg.netMinor });
    if (leg.netMinor < 0n) transfers.push({ debit: clearing, credit: omnibus, amount: -leg.netMinor });
    if (leg.releaseMinor > 0n)
      transfers.push({
        debit: clientAccountCode(clientId, leg.asset, 'pending_settlement'),
        credit: clientAccountCode(clientId, leg.asset, 'available'),
        amount: leg.releaseMinor,
      });
  }
  if (transfers.length === 0) throw new TypeError('a settlement delivery needs at least one movement');
  const shown = legs.map((l) => show(l.asset, l.netMinor < 0n ? -l.netMinor : l.netMinor)).join(', ');
  return { kind: 'settlement.deliver', description: `Settlement delivered: ${shown}`, transfers };
}
