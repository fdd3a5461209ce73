// Data PostgreSQL can never store (a NUL or a lone surrogate in text, a value out of a column's
// range) fails the same way on every attempt. Retrying it forever jams the lifecycle behind it,
// so such an error leaves the activity as a non-retryable ApplicationFailure of type
// `unstorable_data`, which the workflow handles (workflows/lifecycle.ts records the transition
// with the text made storable and raises an alert). Everything else keeps retrying as before.
import { ApplicationFailure, log } from '@temporalio/activity';
import { UNSTORABLE_DATA } from '../domain/text.js';

/** SQLSTATE class 22 is "data exception": the value itself is wrong, whatever the retry. */
function isUnstorableDataError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.length === 5 && code.startsWith('22');
}

type AnyActivity = (...args: never[]) => Promise<unknown>;

/** `activities` with every function's class-22 errors turned into non-retryable failures. */
export function failFastOnUnstorableData<A extends Record<string, AnyActivity>>(activities: A): A {
  const wrapped: Record<string, AnyActivity> = {};
  for (const [name, activity] of Object.entries(activities)) {
    wrapped[name] = async (...args: never[]) => {
      try {
        return await activity(...args);
      } catch (error) {
        if (!isUnstorableDataError(error)) throw error;
        const message = (error as Error).message;
        log.error('activity input cannot be stored; not retrying', { activity: name, message, alert: true });
        throw ApplicationFailure.create({
          type: UNSTORABLE_DATA,
          message: `${name}: ${message}`,
          nonRetryable: true,
        });
      }
    };
  }
  return wrapped as A;
}
