import { describe, expect, it } from 'vitest';
import { storableCopy, storableText } from './text.js';

describe('storable text', () => {
  it('replaces NUL and lone surrogates, keeps valid pairs and ordinary text', () => {
    expect(storableText('a\u0000b')).toBe('a\uFFFDb');
    expect(storableText('x\ud800')).toBe('x\uFFFD');
    expect(storableText('\udc00y')).toBe('\uFFFDy');
    expect(storableText('😀 pässpört\n\t')).toBe('😀 pässpört\n\t');
  });

  it('copies nested data and names every path it changed', () => {
    const input = { note: 'ok\u0000', list: ['\ud800', 'fine'], deep: { ['k\u0000']: 1 }, n: 5 };
    const { value, changed } = storableCopy(input);
    expect(value).toEqual({ note: 'ok\uFFFD', list: ['\uFFFD', 'fine'], deep: { 'k\uFFFD': 1 }, n: 5 });
    expect(changed).toEqual(['note', 'list[0]', 'deep.k\uFFFD']);
    expect(input.note).toBe('ok\u0000'); // the original is untouched
    expect(storableCopy({ a: 'plain', b: [1, null] }).changed).toEqual([]);
  });

  it('cuts values nested deeper than it will walk', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 40; i++) deep = { d: deep };
    expect(storableCopy(deep).changed).toHaveLength(1);
  });
});
