// Four eyes: the approval rules shared by every lifecycle whose outflow needs approving (withdrawals
// of cash, certificate transfers out). At or above a threshold two distinct people must approve;
// the requester (or the owning client) never approves; nobody approves twice. Pure rules: the
// lifecycles keep their approvals and ask these functions what an approval means.
import type { Actor } from './lifecycle.js';

/** One approval as a lifecycle keeps it (state, read model). */
export interface Approval {
  actor: Actor;
  at: string;
  note: string | null;
}

/** What the four-eyes rules look at. */
export interface FourEyesView {
  clientId: string;
  /** Who asked; may never approve. */
  requestedBy: string;
  approvals: readonly { actor: { id: string } }[];
  approvalsRequired: 1 | 2;
}

export type FourEyesRefusalCode = 'self_approval' | 'already_approved_by_you';

export interface FourEyesRefusal {
  code: FourEyesRefusalCode;
  message: string;
  details?: unknown;
}

/** 2 when `amountMinor` is at or above `thresholdMinor`, else 1; no threshold is the safe side (2). */
export function approvalsAtThreshold(amountMinor: bigint, thresholdMinor: bigint | null): 1 | 2 {
  if (thresholdMinor === null) return 2;
  return amountMinor >= thresholdMinor ? 2 : 1;
}

/** The action an approval leads to: `approve` when it is the last one needed. */
export function approvalAction(
  view: Pick<FourEyesView, 'approvals' | 'approvalsRequired'>,
): 'approve' | 'approve_first' {
  return view.approvals.length + 1 >= view.approvalsRequired ? 'approve' : 'approve_first';
}

/**
 * May `actor` approve now? The requester or owner never (self_approval); someone who approved
 * already not again (already_approved_by_you). `noun` words the refusal ("withdrawal").
 */
export function checkFourEyes(view: FourEyesView, actor: Actor, noun: string): FourEyesRefusal | null {
  if (actor.id === view.requestedBy || actor.id === view.clientId) {
    return {
      code: 'self_approval',
      message: `you requested this ${noun} (or it is yours): someone else must approve it`,
    };
  }
  if (view.approvals.some((a) => a.actor.id === actor.id)) {
    return {
      code: 'already_approved_by_you',
      message: `you have already approved this ${noun}; a second, different person must approve it`,
      details: { approvals: view.approvals.length, approvalsRequired: view.approvalsRequired },
    };
  }
  return null;
}

/** The approvals a read model's attributes carry (untyped JSON), the malformed ones left out. */
export function approvalsFromJson(value: unknown): Approval[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((a) => {
    const approval = a as Partial<Approval>;
    return approval?.actor && typeof approval.actor.id === 'string'
      ? [{ actor: approval.actor, at: String(approval.at ?? ''), note: approval.note ?? null }]
      : [];
  });
}
