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
/** The most candles drawn: the newest ones (a column narrower than ~3 px says nothing). */
export const MAX_CANDLES = 180;

export function CandleChart({
  candles,
  quoteAsset,
  frame = { ...DEFAULT_FRAME, height: 280 },
}: {
  candles: Candle[];
  quoteAsset: string;
  frame?: Frame;
}) {
  const title = `Price (${quoteAsset}) and volume`;
  const shown = candles.slice(-MAX_CANDLES);
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
  const column = (frame.width - frame.left - frame.right) / rows.length;
  const body = Math.max(1, column * 0.7);
  const centre = (index: number) => frame.left + column * (index + 0.5);
  const labelIndexes = [...new Set([0, Math.floor((rows.length - 1) / 2), rows.length - 1])];
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
        labels={labelIndexes.map((index) => ({ x: centre(index), text: shortTime(rows[index]!.start) }))}
      />
    </svg>
  );
}

/** "2026-03-04T10:15:00.000Z" → "03-04 10:15" (UTC; the page says so). */
function shortTime(iso: string): string {
  return iso.slice(5, 16).replace('T', ' ');
}
