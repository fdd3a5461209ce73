// How the inbox names each task kind and where acting on it happens. One line per kind/subject.

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
  'reconciliation.break': 'Reconciliation break',
};

const SUBJECT_PAGES: Record<string, string> = {
  deposit: '/ops/deposits/',
  kyc: '/ops/kyc/',
  bank_account: '/ops/bank-accounts/',
  withdrawal: '/ops/withdrawals/',
  client_settlement: '/ops/settlements?id=',
  registry_account: '/ops/registry-accounts/',
  certificate_transfer: '/ops/certificate-transfers/',
  reconciliation_break: '/ops/reconciliation-breaks/',
};

export function taskSubjectPath(subjectType: string, subjectId: string): string {
  const base = SUBJECT_PAGES[subjectType];
  return base ? `${base}${encodeURIComponent(subjectId)}` : '/ops/tasks';
}
