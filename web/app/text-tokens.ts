// Texts written by workflows and queries (a timeline's reason, a task's summary) name people by id,
// amounts as edge decimals or minor units and instants as ISO strings: they are recorded in
// histories and rows and cannot change. Pages split them here into tokens and render each through
// the shared helpers (Person, Money, Time), so nobody reads a UUID, an ungrouped amount or "…Z".
import { ASSET_CODES, formatAmount, isAssetCode } from '../../domain/money.js';

export type TextToken =
  | { kind: 'text'; text: string }
  | { kind: 'person'; id: string }
  | { kind: 'amount'; amount: string; asset: string }
  | { kind: 'time'; at: string };

const ASSET = ASSET_CODES.join('|');
const UUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
// The lookbehinds keep a match from starting inside a longer word: the UUID inside a workflow id
// ("reconciliation-<uuid>") is not a person, the "01" of a date is not an amount.
const PATTERN = new RegExp(
  [
    String.raw`(?<iso>\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))`,
    String.raw`(?<![\w.:-])(?<minor>-?\d+) minor units of (?<minorAsset>${ASSET})\b`,
    String.raw`(?<![\w.:-])(?<amount>-?\d+(?:\.\d+)?) (?<asset>${ASSET})\b`,
    String.raw`(?<![\w-])(?<uuid>${UUID})(?![\w-])`,
  ].join('|'),
  'g',
);
const UUID_ONLY = new RegExp(String.raw`(?<![\w-])${UUID}(?![\w-])`, 'g');

/**
 * `text` as tokens, in order. A UUID becomes a person only when `isPerson` knows it (an unknown id
 * may be a subject's and stays as written); amounts come out as edge decimals with their asset.
 */
export function textTokens(text: string, isPerson: (id: string) => boolean): TextToken[] {
  const tokens: TextToken[] = [];
  const pushText = (value: string) => {
    if (!value) return;
    const last = tokens.at(-1);
    if (last?.kind === 'text') last.text += value;
    else tokens.push({ kind: 'text', text: value });
  };
  let from = 0;
  for (const match of text.matchAll(PATTERN)) {
    const groups = match.groups!;
    const token = tokenOf(groups, isPerson);
    pushText(text.slice(from, match.index));
    if (token) tokens.push(token);
    else pushText(match[0]);
    from = match.index + match[0].length;
  }
  pushText(text.slice(from));
  return tokens;
}

function tokenOf(
  groups: Record<string, string | undefined>,
  isPerson: (id: string) => boolean,
): TextToken | null {
  if (groups.iso) return Number.isNaN(Date.parse(groups.iso)) ? null : { kind: 'time', at: groups.iso };
  if (groups.minor && groups.minorAsset) {
    const asset = groups.minorAsset;
    if (!isAssetCode(asset)) return null;
    return { kind: 'amount', amount: formatAmount(asset, BigInt(groups.minor)), asset };
  }
  if (groups.amount && groups.asset) return { kind: 'amount', amount: groups.amount, asset: groups.asset };
  if (groups.uuid) {
    const id = groups.uuid.toLowerCase();
    return isPerson(id) ? { kind: 'person', id } : null;
  }
  return null;
}

/** Every UUID `texts` mention, for the loader's people lookup (which ignores ids that are nobody). */
export function idsMentioned(texts: readonly (string | null | undefined)[]): string[] {
  return texts.flatMap((text) => (text ? [...text.matchAll(UUID_ONLY)].map((m) => m[0].toLowerCase()) : []));
}
