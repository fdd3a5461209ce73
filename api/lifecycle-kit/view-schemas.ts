// The parts of a lifecycle resource's OpenAPI schema every lifecycle shares (API.md: "lifecycle
// resources share one shape"): the actor, the timeline, the caller's allowed actions and the live
// tasks staff see. A lifecycle's view schema spreads `lifecycleViewFields(...)` into its own.
import { z } from 'zod';
import { ROLES } from '../../domain/roles.js';

export const ActorSchema = z.object({ id: z.uuid(), role: z.enum(ROLES) }).meta({ id: 'Actor' });

export const TimelineEntrySchema = z
  .object({
    at: z.string().meta({ example: '2026-11-22T10:00:00.000Z' }),
    from: z.string().nullable(),
    to: z.string(),
    actor: ActorSchema.nullable(),
    reason: z.string().nullable(),
  })
  .meta({ id: 'TimelineEntry' });

/** Every live task carries these; a lifecycle may show more of it (`extra`). */
const TASK_VIEW_FIELDS = {
  id: z.uuid(),
  kind: z.string(),
  status: z.string(),
  assignee: z.uuid().nullable(),
  dueAt: z.string().nullable(),
};

/** `allowedActions`, `timeline` and (staff and auditors only) `openTasks` of a lifecycle view. */
export function lifecycleViewFields<const Actions extends readonly [string, ...string[]]>(
  humanActions: Actions,
  extraTaskFields: z.ZodRawShape = {},
) {
  return {
    allowedActions: z.array(z.enum(humanActions)),
    timeline: z.array(TimelineEntrySchema),
    openTasks: z
      .array(z.object({ ...TASK_VIEW_FIELDS, ...extraTaskFields }))
      .optional()
      .meta({ description: 'Staff and auditors only' }),
  };
}
