// Server-rendered SVG bars of the reconciliation summary: one stacked bar per label (a booking day,
// an age bucket), the settled part in blue and the part still open in red, the figures written on
// the chart and repeated in a table below it, so it reads without colours and without JavaScript.
export interface StackedBar {
  label: string;
  settled: number;
  open: number;
}

const WIDTH = 640;
const HEIGHT = 180;
const TOP = 18;
const BOTTOM = 28;
/** At most this many bars (a month of days): the caller passes a bounded series. */
const MAX_BARS = 62;

export function ReconciliationChart({
  bars,
  title,
  settledLabel,
  openLabel,
}: {
  bars: readonly StackedBar[];
  title: string;
  settledLabel: string;
  openLabel: string;
}) {
  const shown = bars.slice(-MAX_BARS);
  if (shown.length === 0) return <p className="muted">No data in this period.</p>;
  const max = Math.max(1, ...shown.map((b) => b.settled + b.open));
  const slot = WIDTH / shown.length;
  const barWidth = Math.max(2, slot * 0.7);
  const plot = HEIGHT - TOP - BOTTOM;
  const labelEvery = Math.ceil(shown.length / 10);
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={title} width="100%">
        <title>{title}</title>
        {shown.map((b, index) => {
          const x = index * slot + (slot - barWidth) / 2;
          const settledHeight = (b.settled / max) * plot;
          const openHeight = (b.open / max) * plot;
          const total = b.settled + b.open;
          return (
            <g key={b.label}>
              <rect
                x={x}
                y={TOP + plot - settledHeight}
                width={barWidth}
                height={settledHeight}
                fill="#1f5f8b"
              >
                <title>{`${b.label}: ${b.settled} ${settledLabel}`}</title>
              </rect>
              <rect
                x={x}
                y={TOP + plot - settledHeight - openHeight}
                width={barWidth}
                height={openHeight}
                fill="#b42318"
              >
                <title>{`${b.label}: ${b.open} ${openLabel}`}</title>
              </rect>
              {total > 0 && shown.length <= 16 ? (
                <text
                  x={x + barWidth / 2}
                  y={TOP + plot - settledHeight - openHeight - 4}
                  textAnchor="middle"
                  fontSize="11"
                  fill="#17202a"
                >
                  {b.open > 0 ? `${b.settled}+${b.open}` : b.settled}
                </text>
              ) : null}
              {index % labelEvery === 0 ? (
                <text x={x + barWidth / 2} y={HEIGHT - 8} textAnchor="middle" fontSize="11" fill="#3d4a57">
                  {b.label}
                </text>
              ) : null}
            </g>
          );
        })}
      </svg>
      <figcaption className="muted">
        {title} · blue: {settledLabel} · red: {openLabel}
      </figcaption>
    </figure>
  );
}
