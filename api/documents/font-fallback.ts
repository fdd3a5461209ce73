// Fallback faces for the characters the statement's own font (DejaVu Sans Condensed) lacks: Chinese,
// Japanese and Korean names. The faces are Noto Sans SC, JP and KR (SIL Open Font License 1.1, free to
// embed and redistribute) from the npm packages @fontsource/noto-sans-sc, -jp and -kr, read from
// node_modules like DejaVu. Fontsource ships each family as ~100–120 WOFF files, one per unicode-range
// slice (its unicode.json lists them), so a name loads only the slices its characters fall in: a few
// tens of KB each instead of a 15 MB font. They are WOFF (1.0) on purpose: fontkit 2.0.4 cannot
// subset a WOFF2 file (its glyf table is transformed) nor a variable font's instance, and pdfkit
// subsets every font it embeds.
//
// Text splits into runs: DejaVu for every character it has, else the first family in the text's order
// that has it. Han characters are shared by the three languages with different glyph forms, so the
// order follows the script the text shows: kana → JP first, Hangul → KR first, Han alone → SC first
// (a Japanese name written in kanji only prints in the Chinese forms; nothing in the statement says
// which language a name is in).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as fontkit from 'fontkit';

const FAMILIES = ['noto-sans-sc', 'noto-sans-jp', 'noto-sans-kr'] as const;
type Family = (typeof FAMILIES)[number];

// Unicode blocks that name the language: kana (with the half-width forms) and Hangul.
const KANA = /[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]/u;
const HANGUL = /[\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\uac00-\ud7af\ud7b0-\ud7ff]/u;

/** A stretch of text in one face: `fallback` is null for the primary font. */
export interface TextRun {
  text: string;
  fallback: { name: string; font: fontkit.Font } | null;
}

/** One slice of a family: the code points [from, to] its WOFF file covers. */
interface SliceRange {
  from: number;
  to: number;
  slice: string;
}

const require = createRequire(import.meta.url);
const rangesByFamily = new Map<Family, SliceRange[]>();

/** The family's slices by code point, sorted for a binary search (slices do not overlap). */
function sliceRanges(family: Family): SliceRange[] {
  const cached = rangesByFamily.get(family);
  if (cached) return cached;
  const json = readFileSync(require.resolve(`@fontsource/${family}/unicode.json`), 'utf8');
  const ranges: SliceRange[] = [];
  // Keys are "[116]" for a numbered slice, or a subset's name ("latin"); values CSS unicode-ranges.
  for (const [key, value] of Object.entries(JSON.parse(json) as Record<string, string>)) {
    const slice = /^\[(\d+)\]$/.exec(key)?.[1] ?? key;
    for (const part of value.split(',')) {
      const match = /^U\+([0-9a-f]+)(?:-([0-9a-f]+))?$/i.exec(part.trim());
      if (!match) throw new Error(`${family} unicode.json: unreadable range ${part}`);
      const from = parseInt(match[1]!, 16);
      ranges.push({ from, to: match[2] ? parseInt(match[2], 16) : from, slice });
    }
  }
  ranges.sort((a, b) => a.from - b.from);
  rangesByFamily.set(family, ranges);
  return ranges;
}

function sliceFor(family: Family, codePoint: number): string | null {
  const ranges = sliceRanges(family);
  let low = 0;
  let high = ranges.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const range = ranges[middle]!;
    if (codePoint < range.from) high = middle - 1;
    else if (codePoint > range.to) low = middle + 1;
    else return range.slice;
  }
  return null;
}

function familyOrder(text: string): readonly Family[] {
  if (KANA.test(text)) return ['noto-sans-jp', 'noto-sans-sc', 'noto-sans-kr'];
  if (HANGUL.test(text)) return ['noto-sans-kr', 'noto-sans-sc', 'noto-sans-jp'];
  return FAMILIES;
}

/**
 * Runs of text in the primary font or a fallback face. A fallback face takes the primary's vertical
 * metrics: pdfkit sets a run's baseline one ascent below the line's top and advances a line by its
 * font's line height, so Noto's taller ascent (1.16 em against DejaVu's 0.93) would drop a name's CJK
 * characters below its Latin ones. CJK glyphs stay within DejaVu's ascent and descent at one size.
 */
export function fontFallback(primary: fontkit.Font): (text: string) => TextRun[] {
  const faces = new Map<string, fontkit.Font>();

  function face(family: Family, slice: string): { name: string; font: fontkit.Font } {
    const name = `${family}-${slice}`;
    let font = faces.get(name);
    if (!font) {
      const file = `@fontsource/${family}/files/${family}-${slice}-400-normal.woff`;
      const bytes = readFileSync(require.resolve(file));
      // A WOFF 1.0 file starts with the signature 'wOFF'.
      if (bytes.readUInt32BE(0) !== 0x774f4646) throw new Error(`${file} is not a WOFF font`);
      const parsed = fontkit.create(bytes);
      if (!parsed.postscriptName.startsWith('NotoSans'))
        throw new Error(`${file} holds ${parsed.postscriptName}`);
      const scale = parsed.unitsPerEm / primary.unitsPerEm;
      font = Object.create(parsed, {
        ascent: { value: primary.ascent * scale },
        descent: { value: primary.descent * scale },
        lineGap: { value: primary.lineGap * scale },
      }) as fontkit.Font;
      faces.set(name, font);
    }
    return { name, font };
  }

  function fallbackFor(codePoint: number, order: readonly Family[]): TextRun['fallback'] {
    if (primary.hasGlyphForCodePoint(codePoint)) return null;
    for (const family of order) {
      const slice = sliceFor(family, codePoint);
      if (slice === null) continue;
      const found = face(family, slice);
      if (found.font.hasGlyphForCodePoint(codePoint)) return found;
    }
    // No face has it: the primary's box, as before.
    return null;
  }

  return (text) => {
    const order = familyOrder(text);
    const runs: TextRun[] = [];
    for (const character of text) {
      const fallback = fallbackFor(character.codePointAt(0)!, order);
      const last = runs.at(-1);
      if (last && last.fallback?.name === fallback?.name) last.text += character;
      else runs.push({ text: character, fallback });
    }
    return runs;
  };
}
