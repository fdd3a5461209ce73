// Bars for the dashboards: one bar per label (a day, an age bucket), its value written above it so
// the figure reads without the chart; an optional second value (overdue) drawn over it in red.
export interface Bar {
  label: string;
  value: number;
  /** Part of the value to mark (overdue), drawn over the bar. */
  marked?: number;
  /** Text above the bar; the value when absent. */
  caption?: string;
}

const WIDTH = 640;
const HEIGHT = 180;
const BOTTOM = 28;
const TOP = 18;

export function BarChart({
  bars,
  title,
  markedLabel,
}: {
  bars: readonly Bar[];
  title: string;
  markedLabel?: string;
}) {
  if (bars.length === 0) return <p className="muted">No data in this period.</p>;
  const max = Math.max(1, ...bars.map((bar) => bar.value));
  const slot = WIDTH / bars.length;
  const barWidth = Math.max(2, slot * 0.7);
  const plot = HEIGHT - BOTTOM - TOP;
  const labelEvery = Math.ceil(bars.length / 12);
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={title} width="100%">
        <title>{title}</title>
        {bars.map((bar, index) => {
          const x = index * slot + (slot - barWidth) / 2;
          const h = (bar.value / max) * plot;
          const marked = ((bar.marked ?? 0) / max) * plot;
          return (
            <g key={bar.label}>
              <rect x={x} y={TOP + plot - h} width={barWidth} height={h} fill="#1f5f8b">
                <title>{`${bar.label}: ${bar.caption ?? bar.value}`}</title>
              </rect>
              {marked > 0 ? (
                <rect x={x} y={TOP + plot - marked} width={barWidth} height={marked} fill="#b42318" />
              ) : null}
              {bars.length <= 16 ? (
                <text
                  x={x + barWidth / 2}
                  y={TOP + plot - h - 4}
                  textAnchor="middle"
                  fontSize="11"
                  fill="#17202a"
                >
                  {bar.caption ?? bar.value}
                </text>
              ) : null}
              {index % labelEvery === 0 ? (
                <text x={x + barWidth / 2} y={HEIGHT - 8} textAnchor="middle" fontSize="11" fill="#3d4a57">
                  {bar.label}
                </text>
              ) : null}
            </g>
          );
        })}
      </svg>
      <figcaption className="muted">
        {title}
        {markedLabel ? ` · red: ${markedLabel}` : ''}
      </figcaption>
    </figure>
  );
}
