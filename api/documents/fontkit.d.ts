// fontkit (pdfkit's font engine, the same copy pdfkit loads) ships no types. The statement PDF only
// parses a font file once with it and hands the parsed font to pdfkit, which lays out and subsets it.
declare module 'fontkit' {
  /** A parsed font; pdfkit takes any object with `layout` as an already opened font. */
  export interface Font {
    postscriptName: string;
    layout(text: string): unknown;
  }
  export function create(buffer: Uint8Array, postscriptName?: string): Font;
}
