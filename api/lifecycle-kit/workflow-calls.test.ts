// How a failed call to Temporal reaches the client. The long chaos run (issue 16) saw Update-with-Start
// answer 500 for transient gRPC statuses the SDK rethrows as they are (not as ServiceError): a
// workflow busy (8), a workflow task failed after worker kills (9), the namespace unknown while the
// dev server restarted (5). They are transient: 503, which the client retries.
import { ApplicationFailure, WorkflowUpdateFailedError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors.js';
import { updateErrorToApiError } from './workflow-calls.js';

/** An error shaped as @grpc/grpc-js raises it: code, details, metadata. */
function grpcError(code: number, details: string): Error {
  return Object.assign(new Error(`${code} ${details}`), {
    code,
    details,
    metadata: { internalRepr: new Map() },
  });
}

describe('updateErrorToApiError', () => {
  it.each([
    [5, 'Namespace clearhouse is not found.'],
    [8, 'Workflow is busy.'],
    [9, 'Workflow Task in failed state.'],
    [14, 'unavailable'],
  ])('answers a raw gRPC status %i as 503 temporarily_unavailable', (code, details) => {
    const mapped = updateErrorToApiError(grpcError(code, details));
    expect(mapped).toBeInstanceOf(ApiError);
    expect((mapped as ApiError).status).toBe(503);
    expect((mapped as ApiError).code).toBe('temporarily_unavailable');
  });

  it('leaves a gRPC status that is not transient, and an unknown error, as they are (500)', () => {
    const invalid = grpcError(3, 'invalid argument');
    expect(updateErrorToApiError(invalid)).toBe(invalid);
    const bug = new TypeError('a bug');
    expect(updateErrorToApiError(bug)).toBe(bug);
  });

  it("answers a workflow's refusal with its code", () => {
    const refused = new WorkflowUpdateFailedError(
      'refused',
      ApplicationFailure.create({
        type: 'invalid_state',
        message: 'the deposit has ended',
        nonRetryable: true,
      }),
    );
    const mapped = updateErrorToApiError(refused) as ApiError;
    expect([mapped.status, mapped.code]).toEqual([409, 'invalid_state']);
  });
});
