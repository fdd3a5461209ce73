// Turns the API's errors into words for a form, so a refused action shows why instead of a crash.
import { ApiError } from '../../api/errors.js';

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
      const issues = (
        error.details as { issues?: { path: (string | number)[] | string; message: string }[] } | undefined
      )?.issues;
      for (const issue of issues ?? []) {
        const path = Array.isArray(issue.path) ? issue.path.join('.') : String(issue.path);
        fields[path] = issue.message;
      }
      return { ok: false, error: error.message, code: error.code, fields };
    }
    throw error;
  }
}
