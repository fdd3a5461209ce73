// One value over time (a portfolio's value): a line through the points, x by time, with the first
// and last values named.
import { DEFAULT_FRAME, EmptyChart, XAxis, YAxis, linearScale, tickLabel, type Frame } from './axes.js';

export interface LinePoint {
  at: string;
  /** Decimal string. */
  value: string;
}

export function LineChart({
  points,
  title,
  unit,
  frame = DEFAULT_FRAME,
}: {
  points: LinePoint[];
  title: string;
  unit: string;
  frame?: Frame;
}) {
  if (points.length === 0) return <EmptyChart frame={frame} title={title} message="Nothing to show yet." />;
  const rows = points.map((p) => ({ ms: Date.parse(p.at), value: Number(p.value) }));
  const x = linearScale(rows[0]!.ms, rows.at(-1)!.ms, frame.left, frame.width - frame.right);
  const values = rows.map((r) => r.value);
  const y = linearScale(
    Math.min(0, ...values),
    Math.max(...values) * 1.05,
    frame.height - frame.bottom,
    frame.top,
  );
  const path = rows.map((r, index) => `${index === 0 ? 'M' : 'L'}${x(r.ms)},${y(r.value)}`).join(' ');
  const spanMs = rows.at(-1)!.ms - rows[0]!.ms;
  const first = points[0]!;
  const last = points.at(-1)!;
  return (
    <svg
      className="chart line"
      viewBox={`0 0 ${frame.width} ${frame.height}`}
      role="img"
      aria-label={`${title}: from ${first.value} ${unit} to ${last.value} ${unit}`}
      data-testid="line-chart"
    >
      <title>{title}</title>
      <YAxis frame={frame} scale={y} format={(v) => tickLabel(v, 0)} />
      <path className="series" d={path} />
      {rows.map((r, index) => (
        <circle key={index} className="point" cx={x(r.ms)} cy={y(r.value)} r={2.5}>
          <title>{`${points[index]!.at.slice(0, 16).replace('T', ' ')} UTC: ${points[index]!.value} ${unit}`}</title>
        </circle>
      ))}
      <XAxis
        frame={frame}
        labels={[
          { x: x(rows[0]!.ms), text: timeLabel(first.at, spanMs), anchor: 'start' },
          { x: x(rows.at(-1)!.ms), text: timeLabel(last.at, spanMs), anchor: 'end' },
        ]}
      />
    </svg>
  );
}

/** The date alone over long spans; the time too when everything happened within a few days (UTC). */
function timeLabel(iso: string, spanMs: number): string {
  return spanMs > 3 * 86_400_000 ? iso.slice(0, 10) : `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}
