// A busy test machine can answer a lifecycle's start 503 temporarily_unavailable (its workflow did not
// answer within the API's deadline, e.g. a cold worker's first task): the answer says to retry with
// the same key, which a careful client does. Stores nothing on such an answer (api/idempotency.ts).
import { randomUUID } from 'node:crypto';
import type { ApiAnswer, ApiInit, TestApp, TestUser } from '../../api/testing.js';

export const isTransient = (answer: Pick<ApiAnswer, 'status' | 'body'>) =>
  answer.status === 503 || (answer.status === 409 && answer.body?.error?.code === 'request_in_progress');

/** `call` (which must reuse one Idempotency-Key) again while its answer is transient, at most 5 times. */
export async function retryTransient(call: () => Promise<ApiAnswer>): Promise<ApiAnswer> {
  let answer = await call();
  for (let attempt = 1; attempt < 5 && isTransient(answer); attempt++) answer = await call();
  return answer;
}

/**
 * `path` of `app`'s /api/v1 as `user` (signed in for it), with one Idempotency-Key (`init`'s or a new
 * one), asked again while the answer is transient.
 */
export async function apiAs(
  app: TestApp,
  user: TestUser,
  path: string,
  init: ApiInit = {},
): Promise<ApiAnswer> {
  const token = (await app.login(user)).accessToken;
  const idempotencyKey = init.idempotencyKey ?? randomUUID();
  return retryTransient(() => app.api(`/api/v1${path}`, { ...init, idempotencyKey, token }));
}
