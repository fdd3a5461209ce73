// What the services of a held outgoing transfer share (withdrawals, certificate transfers): a
// request the workflow declined (its workflow ends DECLINED, so a retried key hears the same 422),
// the audit of a request declined, and the audit of a decision with its count of approvals.
import { ApplicationFailure } from '@temporalio/client';
import { approvalsFromJson } from '../../domain/four-eyes.js';
import { auditStaffAction } from '../audit/log.js';
import type { AppDeps } from '../deps.js';
import { unprocessable, type ApiError } from '../errors.js';
import type { StartHooks } from '../lifecycle-kit/service.js';
import type { SessionUser } from './common.js';

/** The descriptor's refusalOfResult: a declined request's workflow answers with its decline. */
export function declineOfResult(state: { declined: { code: string; message: string } | null }) {
  return state.declined
    ? ApplicationFailure.create({
        type: state.declined.code,
        message: state.declined.message,
        nonRetryable: true,
      })
    : null;
}

/**
 * A declined request as the contract's 422: a known code keeps its code and leads with its sentence
 * (`messages`), any other becomes `fallback` with the workflow's message.
 */
export function declinedErrors(codes: readonly string[], messages: Record<string, string>, fallback: string) {
  return (code: string, message: string, details: unknown = null): ApiError => {
    const known = codes.includes(code);
    return unprocessable(known ? code : fallback, known ? `${messages[code]}: ${message}` : message, details);
  };
}

/**
 * The start's hooks for a refusal by the workflow: audited once per request as `action` (with its
 * code and what was asked), answered as `declinedError` with the refusal's first detail.
 */
export function declineHooks(
  deps: AppDeps,
  user: SessionUser,
  decline: {
    action: string;
    subject: { type: string; id: string };
    asked: Record<string, unknown>;
    fallback: string;
    error: (code: string, message: string, details: unknown) => ApiError;
  },
): StartHooks {
  return {
    refused: async (failure) => {
      await auditStaffAction(
        deps.pool,
        user,
        decline.action,
        decline.subject,
        null,
        { code: failure.type, ...decline.asked },
        { once: 'subject' },
      );
    },
    refusalError: (failure) =>
      decline.error(
        failure.type ?? decline.fallback,
        failure.message,
        Array.isArray(failure.details) ? (failure.details[0] ?? null) : null,
      ),
  };
}

/** The audit of a decision: status and the number of approvals, before and after. */
export const approvalsAudit = {
  before: (detail: { status: string; attributes: Record<string, unknown> }) => ({
    status: detail.status,
    approvals: approvalsFromJson(detail.attributes.approvals).length,
  }),
  after: (state: { status: string; approvals: readonly unknown[] }) => ({
    status: state.status,
    approvals: state.approvals.length,
  }),
};
