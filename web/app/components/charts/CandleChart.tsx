// Price candles with their volume underneath: one column per interval, body from open to close
// (up: close ≥ open), wick from low to high; volume bars share the columns in the lower band.
import { formatTime } from '../Timeline.js';
import { DEFAULT_FRAME, EmptyChart, XAxis, YAxis, linearScale, tickLabel, type Frame } from './axes.js';

export interface Candle {
  start: string;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
}

/** Share of the plot height the volume band takes. */
const VOLUME_BAND = 0.25;
/** The most columns drawn (a column narrower than ~3 px says nothing); a longer window is cut to its newest part. */
export const MAX_CANDLES = 180;

/**
 * Each candle sits in its own interval's column of the window [from, to), so gaps without trades
 * stay visible as gaps and one candle is one column wide, not the whole chart.
 */
export function CandleChart({
  candles,
  quoteAsset,
  from,
  to,
  intervalMs,
  frame = { ...DEFAULT_FRAME, height: 280 },
}: {
  candles: Candle[];
  quoteAsset: string;
  from: string;
  to: string;
  intervalMs: number;
  frame?: Frame;
}) {
  const title = `Price (${quoteAsset}) and volume`;
  const toMs = Date.parse(to);
  const columns = Math.max(1, Math.min(MAX_CANDLES, Math.ceil((toMs - Date.parse(from)) / intervalMs)));
  // The last column is the interval `to` falls in (candles start on whole intervals).
  const firstMs = (Math.floor(toMs / intervalMs) - (columns - 1)) * intervalMs;
  const shown = candles.filter((c) => Date.parse(c.start) + intervalMs > firstMs);
  if (shown.length === 0)
    return <EmptyChart frame={frame} title={title} message="No trades in this period." />;
  const rows = shown.map((c) => ({
    start: c.start,
    open: Number(c.open),
    high: Number(c.high),
    low: Number(c.low),
    close: Number(c.close),
    volume: Number(c.volume),
  }));
  const plotBottom = frame.height - frame.bottom;
  const plotHeight = plotBottom - frame.top;
  const priceBottom = plotBottom - plotHeight * VOLUME_BAND - 6;
  const y = linearScale(
    Math.min(...rows.map((r) => r.low)),
    Math.max(...rows.map((r) => r.high)),
    priceBottom,
    frame.top,
  );
  const maxVolume = Math.max(...rows.map((r) => r.volume), 1);
  const volumeHeight = (v: number) => (v / maxVolume) * plotHeight * VOLUME_BAND;
  const column = (frame.width - frame.left - frame.right) / columns;
  const body = Math.max(1, column * 0.7);
  const slotOf = (start: string) => Math.floor((Date.parse(start) - firstMs) / intervalMs);
  const centreOfSlot = (slot: number) => frame.left + column * (slot + 0.5);
  const centre = (index: number) => centreOfSlot(slotOf(rows[index]!.start));
  const labelSlots = [0, Math.floor(columns / 2), columns - 1];
  const last = shown.at(-1)!;
  return (
    <svg
      className="chart candles"
      viewBox={`0 0 ${frame.width} ${frame.height}`}
      role="img"
      aria-label={`${title}: ${shown.length} candles, last close ${last.close} ${quoteAsset}`}
      data-testid="candle-chart"
    >
      <title>{title}</title>
      <YAxis
        frame={{ ...frame, bottom: frame.height - priceBottom }}
        scale={y}
        format={(v) => tickLabel(v)}
      />
      {rows.map((r, index) => {
        const up = r.close >= r.open;
        const top = y(Math.max(r.open, r.close));
        const height = Math.max(1, Math.abs(y(r.open) - y(r.close)));
        const cx = centre(index);
        return (
          <g key={r.start} className={up ? 'up' : 'down'}>
            <title>{`${formatTime(r.start)}: open ${shown[index]!.open}, high ${shown[index]!.high}, low ${shown[index]!.low}, close ${shown[index]!.close}, volume ${shown[index]!.volume}`}</title>
            <line className="wick" x1={cx} x2={cx} y1={y(r.high)} y2={y(r.low)} />
            <rect className="body" x={cx - body / 2} y={top} width={body} height={height} />
            <rect
              className="volume"
              x={cx - body / 2}
              y={plotBottom - volumeHeight(r.volume)}
              width={body}
              height={volumeHeight(r.volume)}
            />
          </g>
        );
      })}
      <XAxis
        frame={frame}
        labels={labelSlots.map((slot, index) => ({
          x: centreOfSlot(slot),
          text: shortTime(new Date(firstMs + slot * intervalMs).toISOString()),
          anchor: index === 0 ? 'start' : index === labelSlots.length - 1 ? 'end' : 'middle',
        }))}
      />
    </svg>
  );
}

/** "2026-03-04T10:15:00.000Z" → "03-04 10:15" (UTC; the page says so). */
function shortTime(iso: string): string {
  return iso.slice(5, 16).replace('T', ' ');
}
