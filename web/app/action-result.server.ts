// Turns the API's errors into words for a form (domain/messages.ts), so a refused action says what
// to do instead of quoting a schema, and never crashes the page.
import { ApiError } from '../../api/errors.js';
import { friendlyIssue, friendlyRefusal, type IssueLike } from '../../domain/messages.js';

export type ActionResult =
  | { ok: true; message?: string }
  | { ok: false; error: string; code: string; fields?: Record<string, string> };

export async function attempt(work: () => Promise<unknown>, success?: string): Promise<ActionResult> {
  try {
    await work();
    return { ok: true, message: success };
  } catch (error) {
    if (error instanceof ApiError) {
      const fields: Record<string, string> = {};
      const raw =
        (
          error.details as
            { issues?: { path: (string | number)[] | string; code?: string; message: string }[] } | undefined
        )?.issues ?? [];
      const issues: IssueLike[] = raw.map((issue) => ({
        path: Array.isArray(issue.path) ? issue.path.join('.') : String(issue.path),
        code: issue.code,
        message: issue.message,
      }));
      for (const issue of issues) fields[issue.path] = friendlyIssue(issue);
      return {
        ok: false,
        error: friendlyRefusal(error.code, error.message, issues),
        code: error.code,
        fields,
      };
    }
    throw error;
  }
}
