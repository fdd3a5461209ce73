// The rules a held outgoing transfer shares (withdrawals of cash, certificate transfers): a request
// that is REQUESTED until its reservation is decided and DECLINED if it is refused, the checks of
// the people's Updates (approve under four eyes, reject with a reason, cancel by the owner), the
// requester who must be the owning client, and the four-eyes thresholds of the policy. Each
// lifecycle passes its own tables and words; the rules are the same.
import { checkFourEyes, type FourEyesRefusal } from './four-eyes.js';
import {
  authorize,
  checkArgsPresent,
  checkText,
  checkUpdate,
  isActor,
  nextStatus,
  refuse,
  validation,
  type Actor,
  type PermissionTable,
  type Refusal,
  type TransitionTable,
} from './lifecycle.js';
import { AmountFormatError, parseAmount, type AssetCode } from './money.js';

/** Before the reservation is decided, and after it was refused: no lifecycle yet. */
export type RequestPhase = 'REQUESTED' | 'DECLINED';

/** What the Update checks look at. */
export interface HeldTransferView<Status extends string> {
  status: Status | RequestPhase;
  clientId: string;
  /** Who asked (the client); may never approve. */
  requestedBy: string;
  approvals: readonly { actor: { id: string } }[];
  /** 0 where nothing is approved (a transfer in). */
  approvalsRequired: 0 | 1 | 2;
}

/** The Update checks of one lifecycle, from its tables; `noun` words the four-eyes refusals. */
export function heldTransferChecks<Status extends string, Action extends string>(lifecycle: {
  transitions: TransitionTable<Status, Action>;
  permissions: PermissionTable<Action>;
  noun: string;
}) {
  const { transitions, permissions, noun } = lifecycle;

  /** Shape, permission and status of `action` requested by `actor`. */
  function checkAction(view: HeldTransferView<Status>, action: Action, actor: unknown): Refusal | null {
    if (!isActor(actor)) return validation('actor', 'invalid_type', 'actor must be { id: UUID, role }');
    const forbidden = authorize(permissions, action, actor, view.clientId);
    if (forbidden) return forbidden;
    if (view.status === 'REQUESTED' || view.status === 'DECLINED') {
      return refuse('invalid_state', `cannot ${action} while the request is ${view.status}`, {
        status: view.status,
        action,
      });
    }
    const next = nextStatus(transitions, view.status, action);
    return next.ok ? null : next.refusal;
  }

  return {
    checkAction,

    approve(
      view: HeldTransferView<Status>,
      args: { actor: Actor; note?: string | null },
    ): Refusal | FourEyesRefusal | null {
      const missing = checkArgsPresent(args);
      if (missing) return missing;
      // approve and approve_first share origin and permission; the count picks one.
      const refused = checkAction(view, 'approve' as Action, args.actor);
      if (refused) return refused;
      const approvalsRequired = view.approvalsRequired === 2 ? 2 : 1;
      const fourEyes = checkFourEyes({ ...view, approvalsRequired }, args.actor, noun);
      if (fourEyes) return fourEyes;
      const note = checkText(args.note, 'note', { required: false });
      return note.ok ? null : note.refusal;
    },

    reject(view: HeldTransferView<Status>, args: { actor: Actor; reason: string }): Refusal | null {
      return checkUpdate(args, (actor) => checkAction(view, 'reject' as Action, actor), {
        field: 'reason',
        required: true,
      });
    },

    cancel(view: HeldTransferView<Status>, args: { actor: Actor }): Refusal | null {
      return checkUpdate(args, (actor) => checkAction(view, 'cancel' as Action, actor));
    },
  };
}

/** The requester must be the owning client; `noun` words the refusal ("a withdrawal"). */
export function checkRequester(requestedBy: unknown, clientId: string, noun: string): Refusal | null {
  if (!isActor(requestedBy))
    return validation('requestedBy', 'invalid_type', 'requestedBy must be { id: UUID, role }');
  if (requestedBy.role !== 'client' || requestedBy.id !== clientId) {
    return refuse('forbidden', `${noun} is requested by the client it belongs to`);
  }
  return null;
}

/** Every asset of `assets` needs a four-eyes threshold that is an amount of that asset. */
export function fourEyesThresholdProblems(
  assets: readonly AssetCode[],
  thresholds: Partial<Record<AssetCode, string>> | undefined,
): string[] {
  const problems: string[] = [];
  for (const asset of assets) {
    const text = thresholds?.[asset];
    if (typeof text !== 'string') {
      problems.push(`fourEyesThreshold.${asset} is missing`);
      continue;
    }
    try {
      parseAmount(asset, text);
    } catch (error) {
      if (!(error instanceof AmountFormatError)) throw error;
      problems.push(`fourEyesThreshold.${asset}: ${error.message}`);
    }
  }
  return problems;
}
