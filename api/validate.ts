import type { Request } from 'express';
import { z } from 'zod';
import { parseInstant } from '../domain/deposit.js';
import { UUID_PATTERN } from '../domain/ids.js';
import {
  AmountFormatError,
  ASSET_CODES,
  CASH_ASSETS,
  EDGE_MAX_UNITS,
  formatAmount,
  maxEdgeAmountMinor,
  parseAmount,
  type AssetCode,
} from '../domain/money.js';
import { textProblem } from '../domain/text.js';
import { validationFailed, zodIssues } from './errors.js';

// Request parsing with zod 4. Failures become 400 validation_failed with
// details: { issues: [{ path, code, message }] } — the contract's error shape.

function parseWith<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw validationFailed(zodIssues(result.error), `the request ${where} is not valid`);
  return result.data;
}

export function parseBody<S extends z.ZodType>(schema: S, req: Request): z.output<S> {
  return parseWith(schema, req.body ?? {}, 'body');
}

export function parseQuery<S extends z.ZodType>(schema: S, req: Request): z.output<S> {
  return parseWith(schema, req.query, 'query');
}

export function parseParams<S extends z.ZodType>(schema: S, req: Request): z.output<S> {
  return parseWith(schema, req.params, 'path');
}

// ---- shared schemas ----------------------------------------------------------------------------

/**
 * Every free-text field of every route (notes, reasons, references, names, search filters, login):
 * valid Unicode (no lone surrogate), no control characters but tab (and newline where `multiline`),
 * trimmed unless `trim: false` (passwords), at most `max` UTF-16 code units, at least one character
 * when `required`. Optional fields add `.nullish()` / `.optional()` themselves. PostgreSQL cannot
 * store a NUL or a lone surrogate; refusing them here keeps them away from workflows (domain/text.ts).
 *
 *   note: textField({ max: 2000, multiline: true }).nullish(),
 *   reason: textField({ max: 2000, required: true, multiline: true }),
 */
export function textField(options: { max: number; required?: boolean; multiline?: boolean; trim?: boolean }) {
  const { max, required = false, multiline = false, trim = true } = options;
  const base = trim ? z.string().trim() : z.string();
  const checked = base
    .superRefine((text, ctx) => {
      const problem = textProblem(text, { multiline });
      if (problem)
        ctx.addIssue({ code: 'custom', message: problem.message, params: { reason: problem.code } });
    })
    .max(max, `at most ${max} characters`);
  return required ? checked.min(1, 'required') : checked;
}

/**
 * A client-supplied instant: ISO 8601 with a date, a time and a zone (domain/deposit.ts parseInstant),
 * and, with a window, at most `maxAgeMs` before and `maxAheadMs` after the time of the request
 * (issues too_small / too_big, as the workflows' own validators answer).
 */
export function instantField(window: { maxAgeMs?: number; maxAheadMs?: number } = {}) {
  return z
    .string()
    .max(40)
    .superRefine((text, ctx) => {
      const at = parseInstant(text);
      if (at === null) {
        ctx.addIssue({
          code: 'invalid_format',
          format: 'datetime',
          message: 'must be an ISO 8601 time with a zone, like "2026-11-22T09:30:00Z"',
        });
        return;
      }
      const nowMs = Date.now();
      if (window.maxAheadMs !== undefined && at > nowMs + window.maxAheadMs) {
        const latest = nowMs + window.maxAheadMs;
        ctx.addIssue({
          code: 'too_big',
          origin: 'date',
          maximum: latest,
          message: 'must not be in the future',
        });
      }
      if (window.maxAgeMs !== undefined && at < nowMs - window.maxAgeMs) {
        const days = Math.round(window.maxAgeMs / 86_400_000);
        const earliest = nowMs - window.maxAgeMs;
        ctx.addIssue({
          code: 'too_small',
          origin: 'date',
          minimum: earliest,
          message: `must not be more than ${days} days ago`,
        });
      }
    });
}

export const assetCodeSchema = z.enum(ASSET_CODES as [AssetCode, ...AssetCode[]]).meta({ example: 'EUR' });
export const cashCurrencySchema = z.enum(CASH_ASSETS as [AssetCode, ...AssetCode[]]).meta({ example: 'EUR' });

/**
 * A decimal amount string as accepted at the edge ("1250.50", "300"). Shape only: the asset's
 * scale and the positivity are checked by parseAmountField once the asset is known.
 */
export const decimalAmountSchema = z
  .string()
  .regex(/^\d+(\.\d+)?$/, 'amounts are decimal strings like "1250.50"')
  .max(40)
  .meta({ description: 'Decimal string in asset units, at most the asset scale', example: '1250.50' });

/**
 * Minor units of `text` in `asset` (domain/money.ts parseAmount), or 400 validation_failed with an
 * issue on `field`: `const minor = parseAmountField(body.currency, body.amount)`.
 */
export function parseAmountField(
  asset: AssetCode,
  text: string,
  field = 'amount',
  options: { allowZero?: boolean } = {},
): bigint {
  let minor: bigint;
  try {
    minor = parseAmount(asset, text, options);
  } catch (error) {
    if (error instanceof AmountFormatError) {
      throw validationFailed([{ path: field, code: 'invalid_amount', message: error.message }]);
    }
    throw error;
  }
  const max = maxEdgeAmountMinor(asset);
  if (minor > max) {
    const message = `${asset} amounts are at most ${formatAmount(asset, max)} (${EDGE_MAX_UNITS} units)`;
    throw validationFailed([{ path: field, code: 'too_big', message }]);
  }
  return minor;
}

/** A UUID as every layer tests it (domain/ids.ts): for path parameters, filters and body ids. */
export const uuidSchema = z.string().regex(UUID_PATTERN, 'must be a UUID').meta({ format: 'uuid' });
export const idParamsSchema = z.object({ id: uuidSchema });

/** `?limit=` (default 50, max 200) and `?cursor=` for every list. */
export const listQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: textField({ max: 500, required: true }).optional(),
});

/** The answer of every list. */
export function listResponseSchema<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}
