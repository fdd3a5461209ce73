import { useEffect, useState } from 'react';

function remaining(untilMs: number, nowMs: number): string {
  let seconds = Math.max(0, Math.round((untilMs - nowMs) / 1000));
  const days = Math.floor(seconds / 86400);
  seconds -= days * 86400;
  const hours = Math.floor(seconds / 3600);
  seconds -= hours * 3600;
  const minutes = Math.floor(seconds / 60);
  seconds -= minutes * 60;
  const parts = days
    ? [`${days}d`, `${hours}h`, `${minutes}m`]
    : hours
      ? [`${hours}h`, `${minutes}m`, `${seconds}s`]
      : [`${minutes}m`, `${seconds}s`];
  return parts.join(' ');
}

/** Time left until `until`, ticking in the browser; the server renders the value at render time. */
export function Countdown({ until, renderedAt }: { until: string; renderedAt: string }) {
  const untilMs = Date.parse(until);
  const [now, setNow] = useState(() => Date.parse(renderedAt));
  useEffect(() => {
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [until]);
  return (
    <span data-testid="countdown">{untilMs > now ? `${remaining(untilMs, now)} left` : 'ending now'}</span>
  );
}
