// How the inbox names each task kind and where acting on it happens. One line per kind/subject.
// Some kinds carry the id of what they are about after a colon (a reconciliation's break tasks are
// `reconciliation.break:<break id>`, one live task per break): they are named by the part before it.

export const TASK_KIND_LABELS: Record<string, string> = {
  'deposit.confirm_receipt': 'Confirm wire receipt',
  'deposit.aml_review': 'AML review',
  'kyc.review': 'KYC review',
  'bank_account.verify': 'Verify bank account',
  'withdrawal.approve': 'Approve withdrawal',
  'settlement.exception': 'Settlement exception',
  'registry_account.verify': 'Verify registry account',
  'certificate_transfer.confirm_receipt': 'Confirm certificate receipt',
  'certificate_transfer.approve': 'Approve certificate transfer',
  // A statement's break and an internal run's difference (db/reconciliation/matching.ts, internal.ts).
  'reconciliation.break': 'Reconciliation break',
  // An adjustment proposed for a break, waiting for a second operator (db/reconciliation/breaks.ts).
  'reconciliation.approve_adjustment': 'Approve reconciliation adjustment',
};

/** The label of `kind`, or of its part before ':'; an unknown kind as it is. */
export function taskKindLabel(kind: string): string {
  const exact = TASK_KIND_LABELS[kind];
  if (exact) return exact;
  const colon = kind.indexOf(':');
  return (colon > 0 && TASK_KIND_LABELS[kind.slice(0, colon)]) || kind;
}

const SUBJECT_PAGES: Record<string, string> = {
  deposit: '/ops/deposits/',
  kyc: '/ops/kyc/',
  bank_account: '/ops/bank-accounts/',
  withdrawal: '/ops/withdrawals/',
  client_settlement: '/ops/settlements?id=',
  registry_account: '/ops/registry-accounts/',
  certificate_transfer: '/ops/certificate-transfers/',
  // Statement and internal breaks alike: the page shows the break with its actions (or sends a
  // statement's on to its reconciliation's page).
  reconciliation_break: '/ops/reconciliation-breaks/',
};

export function taskSubjectPath(subjectType: string, subjectId: string): string {
  const base = SUBJECT_PAGES[subjectType];
  return base ? `${base}${encodeURIComponent(subjectId)}` : '/ops/tasks';
}
