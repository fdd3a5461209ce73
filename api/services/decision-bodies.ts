// The bodies of a person's decision on a lifecycle, shared by every service that has them: a
// decision with an optional note (verify, approve) and a rejection with a reason. The schemas are
// also the OpenAPI document's, named `<Verb><Lifecycle>Body`.
import { z } from 'zod';
import { textField } from '../validate.js';

/** `noteVerb` names the decision with a note ("Verify", "Approve"); `name` the lifecycle. */
export function decisionBodySchemas(noteVerb: string, name: string) {
  return {
    note: z
      .object({ note: textField({ max: 2000, multiline: true }).nullish() })
      .meta({ id: `${noteVerb}${name}Body` }),
    reason: z
      .object({ reason: textField({ max: 2000, required: true, multiline: true }) })
      .meta({ id: `Reject${name}Body` }),
  };
}

/** The Update arguments from those bodies: a blank note is none. */
export const noteArgs = (body: { note?: string | null }) => ({ note: body.note?.trim() || null });
export const reasonArgs = (body: { reason: string }) => ({ reason: body.reason });
