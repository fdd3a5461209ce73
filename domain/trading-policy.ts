// The `trading` policy: fees, limits, price band, trading hours, DAY session close, broker polling.
// New orders start with the policy current at their start; a running order keeps its own.
// Durations in milliseconds (seconds in tests). Rules that read it live in domain/risk.ts.

/** When the market is open, in a named time zone; `always` in tests and for the demo. */
export type TradingHours =
  | { kind: 'always' }
  | {
      kind: 'weekly';
      timeZone: string;
      /** ISO weekdays the market opens (1 = Monday … 7 = Sunday). */
      days: number[];
      /** Local "HH:MM". */
      open: string;
      close: string;
    };

export interface TradingPolicy {
  /** Fee of the resting side, in basis points of the notional (rounded up to the minor unit). */
  makerFeeBps: number;
  /** Fee of the incoming side, in basis points of the notional. */
  takerFeeBps: number;
  /** Largest quantity of one order, in whole units of the asset. */
  maxOrderQuantity: number;
  /** Largest notional of one order, in whole units of the quote asset. */
  maxOrderNotional: number;
  /** Price band around the reference price, in percent; an instrument's own band wins when set. */
  defaultPriceBandPct: number;
  tradingHours: TradingHours;
  /**
   * When DAY orders expire: the session close in `tradingHours`' zone, or, when `dayOrderTtlMs` is
   * set (tests), that long after the order's start.
   */
  sessionClose: { timeZone: string; time: string };
  dayOrderTtlMs: number | null;
  /** How often an order routed to the broker asks for execution reports. */
  brokerPollMs: number;
  /** An order waits at most this long for the broker's acknowledgement before it is rejected. */
  brokerAckTimeoutMs: number;
}
