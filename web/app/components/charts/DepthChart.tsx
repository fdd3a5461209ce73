// Depth of book: the cumulative quantity a market order would meet at each price, bids to the left
// of the spread and asks to the right, as steps (each level adds its quantity at its price).
import { DEFAULT_FRAME, EmptyChart, XAxis, YAxis, linearScale, tickLabel, type Frame } from './axes.js';

export interface DepthLevel {
  price: string;
  quantity: string;
}

interface Step {
  price: number;
  cumulative: number;
}

/** Levels best first → cumulative steps, best first. */
function cumulativeSteps(levels: DepthLevel[]): Step[] {
  let total = 0;
  return levels.map((level) => {
    total += Number(level.quantity);
    return { price: Number(level.price), cumulative: total };
  });
}

/**
 * A closed step area from the best price outward: each level steps up by its quantity, and the
 * total runs on to `edge` (the chart's side), since that much is available beyond the last level.
 */
function stepArea(
  steps: Step[],
  edge: number,
  x: (v: number) => number,
  y: (v: number) => number,
  baseline: number,
): string {
  if (steps.length === 0) return '';
  const first = steps[0]!;
  const parts = [`M${x(first.price)},${baseline}`, `L${x(first.price)},${y(first.cumulative)}`];
  for (let index = 1; index < steps.length; index += 1) {
    const step = steps[index]!;
    parts.push(
      `L${x(step.price)},${y(steps[index - 1]!.cumulative)}`,
      `L${x(step.price)},${y(step.cumulative)}`,
    );
  }
  parts.push(`L${x(edge)},${y(steps.at(-1)!.cumulative)}`, `L${x(edge)},${baseline}`, 'Z');
  return parts.join(' ');
}

/** The price range shown: every level, with room on both sides (at least ±1 % around the middle). */
function priceDomain(prices: number[]): [number, number] {
  const low = Math.min(...prices);
  const high = Math.max(...prices);
  const span = Math.max(high - low, ((low + high) / 2) * 0.02);
  const pad = span * 0.2;
  return [low - pad, high + pad];
}

export function DepthChart({
  bids,
  asks,
  asset,
  quoteAsset,
  frame = { ...DEFAULT_FRAME, width: 480, height: 200 },
}: {
  bids: DepthLevel[];
  asks: DepthLevel[];
  asset: string;
  quoteAsset: string;
  frame?: Frame;
}) {
  const title = `Depth of book (${asset} in ${quoteAsset})`;
  if (bids.length === 0 && asks.length === 0) {
    return <EmptyChart frame={frame} title={title} message="The book is empty." />;
  }
  const bidSteps = cumulativeSteps(bids);
  const askSteps = cumulativeSteps(asks);
  const prices = [...bidSteps, ...askSteps].map((s) => s.price);
  const maxCumulative = Math.max(bidSteps.at(-1)?.cumulative ?? 0, askSteps.at(-1)?.cumulative ?? 0);
  const [low, high] = priceDomain(prices);
  const x = linearScale(low, high, frame.left, frame.width - frame.right);
  const y = linearScale(0, maxCumulative * 1.1, frame.height - frame.bottom, frame.top);
  const baseline = frame.height - frame.bottom;
  const labelPrices = [x.domain[0], (x.domain[0] + x.domain[1]) / 2, x.domain[1]];
  const bestBid = bids[0]?.price;
  const bestAsk = asks[0]?.price;
  return (
    <svg
      className="chart depth"
      viewBox={`0 0 ${frame.width} ${frame.height}`}
      role="img"
      aria-label={`${title}: ${bids.length} bid levels${bestBid ? ` from ${bestBid}` : ''}, ${asks.length} ask levels${bestAsk ? ` from ${bestAsk}` : ''}`}
      data-testid="depth-chart"
    >
      <title>{title}</title>
      <YAxis frame={frame} scale={y} format={(v) => tickLabel(v, 0)} />
      <path className="bids" d={stepArea(bidSteps, low, x, y, baseline)} />
      <path className="asks" d={stepArea(askSteps, high, x, y, baseline)} />
      <XAxis
        frame={frame}
        labels={labelPrices.map((p, index) => ({
          x: x(p),
          text: tickLabel(p),
          anchor: index === 0 ? 'start' : index === labelPrices.length - 1 ? 'end' : 'middle',
        }))}
      />
    </svg>
  );
}
