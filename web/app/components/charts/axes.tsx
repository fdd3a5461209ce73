// What every chart shares: a linear scale from data to pixels, round tick values and the two axes.
// Charts plot decimal strings converted to numbers: a pixel position needs no exactness, and every
// figure the page states in words stays the API's own string.

export interface Frame {
  width: number;
  height: number;
  /** Space for the axis labels. */
  left: number;
  right: number;
  top: number;
  bottom: number;
}

export const DEFAULT_FRAME: Frame = { width: 640, height: 240, left: 56, right: 12, top: 12, bottom: 28 };

export interface Scale {
  (value: number): number;
  domain: [number, number];
}

/** Maps [d0, d1] onto [r0, r1]; an empty domain is widened so a single value sits mid-range. */
export function linearScale(d0: number, d1: number, r0: number, r1: number): Scale {
  let low = d0;
  let high = d1;
  if (!(high > low)) {
    const pad = Math.abs(low) > 0 ? Math.abs(low) * 0.05 : 1;
    low -= pad;
    high += pad;
  }
  const scale = ((value: number) => r0 + ((value - low) / (high - low)) * (r1 - r0)) as Scale;
  scale.domain = [low, high];
  return scale;
}

/** About `count` round values (1, 2 or 5 × 10^k apart) inside [low, high]. */
export function niceTicks(low: number, high: number, count = 5): number[] {
  if (!(high > low) || !Number.isFinite(low) || !Number.isFinite(high)) return [low];
  const raw = (high - low) / Math.max(1, count);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  // Bounded: at most count × 2 + 2 ticks for any step chosen above.
  for (
    let t = Math.ceil(low / step) * step;
    t <= high + step * 1e-9 && ticks.length < count * 2 + 2;
    t += step
  ) {
    ticks.push(Number(t.toFixed(10)));
  }
  return ticks;
}

/** A tick label without float noise: up to `decimals` places, trailing zeros dropped. */
export function tickLabel(value: number, decimals = 2): string {
  return String(Number(value.toFixed(decimals)));
}

export function YAxis({
  frame,
  scale,
  format = (v) => tickLabel(v),
}: {
  frame: Frame;
  scale: Scale;
  format?: (value: number) => string;
}) {
  const ticks = niceTicks(scale.domain[0], scale.domain[1], 4);
  return (
    <g className="axis y" aria-hidden="true">
      {ticks.map((t) => (
        <g key={t}>
          <line
            x1={frame.left}
            x2={frame.width - frame.right}
            y1={scale(t)}
            y2={scale(t)}
            className="gridline"
          />
          <text x={frame.left - 6} y={scale(t)} dy="0.32em" textAnchor="end">
            {format(t)}
          </text>
        </g>
      ))}
    </g>
  );
}

export function XAxis({
  frame,
  labels,
}: {
  frame: Frame;
  /** Positions (px) and their text; the first and last labels may hang inward (`anchor`). */
  labels: { x: number; text: string; anchor?: 'start' | 'middle' | 'end' }[];
}) {
  const y = frame.height - frame.bottom;
  return (
    <g className="axis x" aria-hidden="true">
      <line x1={frame.left} x2={frame.width - frame.right} y1={y} y2={y} className="baseline" />
      {labels.map((label, index) => (
        <text key={`${label.x}-${index}`} x={label.x} y={y + 16} textAnchor={label.anchor ?? 'middle'}>
          {label.text}
        </text>
      ))}
    </g>
  );
}

/** A chart with nothing to draw still takes its place and says why. */
export function EmptyChart({ frame, title, message }: { frame: Frame; title: string; message: string }) {
  return (
    <svg
      className="chart empty"
      viewBox={`0 0 ${frame.width} ${frame.height}`}
      role="img"
      aria-label={`${title}: ${message}`}
    >
      <text x={frame.width / 2} y={frame.height / 2} textAnchor="middle" className="muted">
        {message}
      </text>
    </svg>
  );
}
