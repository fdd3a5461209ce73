// A busy test machine can answer a lifecycle's start 503 temporarily_unavailable (its workflow did not
// answer within the API's deadline, e.g. a cold worker's first task): the answer says to retry with
// the same key, which a careful client does. Stores nothing on such an answer (api/idempotency.ts).
import type { ApiAnswer } from '../../api/testing.js';

export const isTransient = (answer: Pick<ApiAnswer, 'status' | 'body'>) =>
  answer.status === 503 || (answer.status === 409 && answer.body?.error?.code === 'request_in_progress');

/** `call` (which must reuse one Idempotency-Key) again while its answer is transient, at most 5 times. */
export async function retryTransient(call: () => Promise<ApiAnswer>): Promise<ApiAnswer> {
  let answer = await call();
  for (let attempt = 1; attempt < 5 && isTransient(answer); attempt++) answer = await call();
  return answer;
}
