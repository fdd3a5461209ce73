// Runs of text by face: DejaVu wherever it has the glyph, a Noto slice where it does not, the family
// order following the text's script, and fallback faces on DejaVu's vertical metrics.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as fontkit from 'fontkit';
import { describe, expect, it } from 'vitest';
import { fontFallback } from './font-fallback.js';

const require = createRequire(import.meta.url);
const dejavu = fontkit.create(readFileSync(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSansCondensed.ttf')));
const runs = fontFallback(dejavu);

/** Each run as [text, face name or 'DejaVu']. */
function faces(text: string): [string, string][] {
  return runs(text).map((run) => [run.text, run.fallback?.name ?? 'DejaVu']);
}

describe('font fallback', () => {
  it('keeps text DejaVu covers in one DejaVu run', () => {
    expect(faces('Дмитрий Ёлкин <d@example.com>')).toEqual([['Дмитрий Ёлкин <d@example.com>', 'DejaVu']]);
  });

  it('puts each character DejaVu lacks in the Noto slice that has it, and spaces stay DejaVu', () => {
    const split = faces('Ada 王秀英');
    expect(split[0]).toEqual(['Ada ', 'DejaVu']);
    expect(
      split
        .slice(1)
        .map(([text]) => text)
        .join(''),
    ).toBe('王秀英');
    for (const [, name] of split.slice(1)) expect(name).toMatch(/^noto-sans-sc-\d+$/);
    expect(faces('山田 太郎').find(([text]) => text === ' ')).toEqual([' ', 'DejaVu']);
  });

  it('orders the families by the script the text shows', () => {
    const family = (text: string, character: string) =>
      runs(text)
        .find((run) => run.text.includes(character))
        ?.fallback?.name.replace(/-\w+$/, '');
    expect(family('山田 太郎', '山')).toBe('noto-sans-sc');
    expect(family('さくら 山田', '山')).toBe('noto-sans-jp');
    expect(family('김 山', '山')).toBe('noto-sans-kr');
    // Simplified Chinese that Noto Sans JP lacks still prints, from SC, after JP.
    expect(family('さくら 张', '张')).toBe('noto-sans-sc');
  });

  it('gives a fallback face DejaVu’s ascent, descent and line gap, in its own units', () => {
    const face = runs('王')[0]?.fallback?.font;
    expect(face?.unitsPerEm).toBe(1000);
    expect(face?.ascent).toBeCloseTo((dejavu.ascent * 1000) / dejavu.unitsPerEm);
    expect(face?.descent).toBeCloseTo((dejavu.descent * 1000) / dejavu.unitsPerEm);
    expect(face?.lineGap).toBe(0);
    expect(face?.hasGlyphForCodePoint(0x738b)).toBe(true);
  });

  it('leaves a character no face has in DejaVu (its box)', () => {
    expect(faces('\u{10fffd}')).toEqual([['\u{10fffd}', 'DejaVu']]);
  });
});
