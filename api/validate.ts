import type { Request } from 'express';
import { z } from 'zod';
import { AmountFormatError, ASSET_CODES, CASH_ASSETS, parseAmount, type AssetCode } from '../domain/money.js';
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
  try {
    return parseAmount(asset, text, options);
  } catch (error) {
    if (error instanceof AmountFormatError) {
      throw validationFailed([{ path: field, code: 'invalid_amount', message: error.message }]);
    }
    throw error;
  }
}

export const uuidSchema = z.uuid();
export const idParamsSchema = z.object({ id: z.uuid() });

/** `?limit=` (default 50, max 200) and `?cursor=` for every list. */
export const listQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).max(500).optional(),
});

/** The answer of every list. */
export function listResponseSchema<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}
