// Each lifecycle's usual path as steps a person reads, for the <Stepper> on its pages; the statuses
// that end it early are listed apart. One entry per lifecycle, in the words of its pages.
import type { StepDef } from './components/Stepper.js';

export interface LifecycleSteps {
  steps: readonly StepDef[];
  ended: readonly string[];
}

export const DEPOSIT_STEPS: LifecycleSteps = {
  steps: [
    { label: 'Announced', statuses: ['PENDING'] },
    { label: 'Received, on hold', statuses: ['ON_HOLD', 'AML_REVIEW'] },
    { label: 'Cleared', statuses: ['CLEARED'] },
  ],
  ended: ['REJECTED', 'CANCELLED', 'EXPIRED'],
};

export const WITHDRAWAL_STEPS: LifecycleSteps = {
  steps: [
    { label: 'Requested', statuses: ['REQUESTED', 'PENDING_APPROVAL'] },
    { label: 'Paying out', statuses: ['PROCESSING'] },
    { label: 'Completed', statuses: ['COMPLETED'] },
  ],
  ended: ['FAILED', 'REJECTED', 'CANCELLED', 'DECLINED'],
};

export const KYC_STEPS: LifecycleSteps = {
  steps: [
    { label: 'Documents', statuses: ['NOT_STARTED', 'CHANGES_REQUESTED'] },
    { label: 'In review', statuses: ['PENDING_REVIEW'] },
    { label: 'Approved', statuses: ['APPROVED'] },
  ],
  ended: ['REJECTED', 'EXPIRED'],
};

export const BANK_ACCOUNT_STEPS: LifecycleSteps = {
  steps: [
    { label: 'Registered', statuses: ['PENDING_VERIFICATION'] },
    { label: 'Verified', statuses: ['VERIFIED'] },
  ],
  ended: ['REJECTED', 'REMOVED'],
};
