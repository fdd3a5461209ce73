// "Confirm this deposit from the statement line": the deposit's own confirm (api/services/deposits.ts)
// with the line as evidence.
import { getLine } from '../../../db/reconciliation/index.js';
import { RECONCILIATION_TYPE } from '../../../domain/reconciliation/lifecycle.js';
import { minorToDecimal } from '../../../domain/statements/index.js';
import { auditStaffAction } from '../../audit/log.js';
import type { AppDeps } from '../../deps.js';
import { invalidState, notFound } from '../../errors.js';
import type { SessionUser } from '../common.js';
import { confirmDeposit } from '../deposits.js';
import { reconciliations, requireOperations } from './lifecycle.js';

/**
 * POST /ops/reconciliations/:id/lines/:lineId/confirm-deposit: the line matched a PENDING deposit
 * (rule pending_deposit); its amount, booking day and reference confirm that deposit through the
 * deposit's own confirm, so every deposit rule (AML screening, holds, four-eyes) applies as ever.
 */
export async function confirmDepositFromLine(
  deps: AppDeps,
  user: SessionUser,
  reconciliationId: string,
  lineId: string,
  requestId: string,
) {
  requireOperations(user, 'confirm deposits');
  const detail = await reconciliations.loadVisible(deps, user, reconciliationId);
  const line = await getLine(deps.pool, detail.businessId, lineId);
  if (!line) throw notFound('no such statement line');
  if (line.depositId === null || line.amountMinor <= 0n)
    throw invalidState('this line names no PENDING deposit', { lineId, rule: line.rule });
  const deposit = await confirmDeposit(
    deps,
    user,
    line.depositId,
    {
      receivedAmount: minorToDecimal(line.amountMinor, line.currency),
      // The booking day's start: never in the future, and the day the bank says the money arrived.
      receivedAt: `${line.bookedOn}T00:00:00Z`,
      senderReference: line.reference ?? undefined,
      note: `Confirmed from statement line ${line.origin} of reconciliation ${detail.businessId}`,
    },
    requestId,
  );
  await auditStaffAction(
    deps.pool,
    user,
    `${RECONCILIATION_TYPE}.confirm_deposit`,
    { type: RECONCILIATION_TYPE, id: detail.businessId },
    { lineId, depositId: line.depositId },
    { depositStatus: deposit.status, amount: minorToDecimal(line.amountMinor, line.currency) },
    { once: 'request' },
  );
  return deposit;
}
