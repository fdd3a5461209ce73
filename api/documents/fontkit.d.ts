// fontkit (pdfkit's font engine, the same copy pdfkit loads) ships no types. The statement PDF parses
// font files once with it, asks which characters a font has and its vertical metrics (font units),
// and hands the parsed fonts to pdfkit, which lays out and subsets them.
declare module 'fontkit' {
  /** A parsed font; pdfkit takes any object with `layout` as an already opened font. */
  export interface Font {
    postscriptName: string;
    unitsPerEm: number;
    ascent: number;
    descent: number;
    lineGap: number;
    hasGlyphForCodePoint(codePoint: number): boolean;
    layout(text: string): unknown;
  }
  export function create(buffer: Uint8Array, postscriptName?: string): Font;
}
