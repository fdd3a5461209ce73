// One entry point for statement files: the format is detected from the content (never from a file
// name or a content type the uploader chose), then the format's parser reads it.
import { looksLikeCamt053, parseCamt053 } from './camt053.js';
import { CSV_DEFAULT_MAPPING, looksLikeCsv, parseCsvStatement, type CsvMapping } from './csv.js';
import { looksLikeMt940, parseMt940 } from './mt940.js';
import { UnreadableStatementError, type ParsedStatement, type StatementFormat } from './types.js';

export * from './types.js';
export { CSV_DEFAULT_MAPPING, type CsvMapping } from './csv.js';
export { currencyScale, decimalToMinor, minorToDecimal } from './amounts.js';

export function detectStatementFormat(
  text: string,
  mapping: CsvMapping = CSV_DEFAULT_MAPPING,
): StatementFormat {
  if (looksLikeCamt053(text)) return 'camt053';
  if (looksLikeMt940(text)) return 'mt940';
  if (looksLikeCsv(text, mapping)) return 'csv';
  throw new UnreadableStatementError(
    'neither camt.053 XML, MT940 nor a CSV with the documented columns',
    'line 1',
  );
}

/** Every statement in the file (camt and MT940 files may hold several), in file order. */
export function parseStatementFile(
  bytes: Uint8Array,
  mapping: CsvMapping = CSV_DEFAULT_MAPPING,
): { format: StatementFormat; statements: ParsedStatement[] } {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new UnreadableStatementError('the file is not UTF-8 text', 'byte 0');
  }
  if (text.includes('\u0000')) throw new UnreadableStatementError('the file holds NUL characters', 'line 1');
  const format = detectStatementFormat(text, mapping);
  const statements =
    format === 'camt053'
      ? parseCamt053(text)
      : format === 'mt940'
        ? parseMt940(text)
        : [parseCsvStatement(text, mapping)];
  return { format, statements };
}
