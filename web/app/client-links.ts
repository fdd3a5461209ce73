// Where a client reads each of their lifecycles (the statement's lines and the home page link to them).
const CLIENT_PATHS: Record<string, string> = {
  deposit: '/app/deposits',
  withdrawal: '/app/withdrawals',
  order: '/app/orders',
  certificate_transfer: '/app/certificate-transfers',
  client_settlement: '/app/settlements',
};

/** The client page of a lifecycle, or null for a type without one. */
export function clientPathOf(subject: { type: string; id: string } | null): string | null {
  const base = subject ? CLIENT_PATHS[subject.type] : undefined;
  return base && subject ? `${base}/${encodeURIComponent(subject.id)}` : null;
}
