// The text of an uncompressed pdfkit PDF (compress: false), for assertions: each text object's
// strings (pdfkit writes them as hex in TJ arrays, split wherever kerning applies) joined back
// together, one text object per line, pages' content streams in file order (the embedded font files
// are binary and never scanned). A string is decoded by the font its text object selected
// (`/F1 8.5 Tf`): an embedded font (Type0, Identity-H) by its ToUnicode CMap, two bytes a glyph; a
// standard font as single-byte Windows-1252. pdfkit names fonts F1, F2, … once per document.
const TEXT_OBJECT = /\bBT\b([\s\S]*?)\bET\b/g;
const TEXT_PART = /\/(F\d+)\s+[\d.]+\s+Tf|<([0-9a-fA-F\s]*)>/g;
const OBJECT = /(\d+) 0 obj\s*([\s\S]*?)endobj/g;
const FONT_RESOURCE = /\/(F\d+)\s+(\d+) 0 R/g;
const TO_UNICODE = /\/ToUnicode\s+(\d+) 0 R/;
const CONTENTS = /\/Contents\s+(\d+) 0 R/g;
// pdfkit writes ranges with an array of targets: <start> <end> [<0041> <0042 0301> …].
const BF_RANGE = /<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*\[([^\]]*)\]/g;
const HEX = /<([0-9a-fA-F\s]*)>/g;

/** Glyph code → text, from one ToUnicode CMap stream. */
type CMap = Map<number, string>;

function parseCMap(stream: string): CMap {
  const cmap: CMap = new Map();
  for (const [, start, , targets] of stream.matchAll(BF_RANGE)) {
    let code = parseInt(start!, 16);
    for (const [, target] of (targets ?? '').matchAll(HEX)) {
      const units = (target ?? '')
        .trim()
        .split(/\s+/)
        .filter(Boolean)
        .map((unit) => parseInt(unit, 16));
      cmap.set(code, String.fromCharCode(...units));
      code += 1;
    }
  }
  return cmap;
}

/** Font resource name (F1) → its CMap, for every embedded font; standard fonts have none. */
function embeddedFonts(objects: Map<string, string>): Map<string, CMap> {
  const fonts = new Map<string, CMap>();
  for (const body of objects.values()) {
    for (const [, name, id] of body.matchAll(FONT_RESOURCE)) {
      if (fonts.has(name!)) continue;
      // pdfkit puts ToUnicode on the Type0 font dictionary itself.
      const cmapId = TO_UNICODE.exec(objects.get(id!) ?? '')?.[1];
      if (cmapId) fonts.set(name!, parseCMap(objects.get(cmapId) ?? ''));
    }
  }
  return fonts;
}

function decode(hex: string, cmap: CMap | undefined): string {
  const bytes = Buffer.from(hex.replace(/\s+/g, ''), 'hex');
  if (!cmap) return new TextDecoder('windows-1252').decode(bytes);
  let text = '';
  for (let i = 0; i + 1 < bytes.length; i += 2) text += cmap.get(bytes.readUInt16BE(i)) ?? '\uFFFD';
  return text;
}

export function pdfText(pdf: Buffer): string {
  const source = pdf.toString('latin1');
  if (!source.startsWith('%PDF-')) throw new Error('not a PDF');
  const objects = new Map<string, string>();
  for (const [, id, body] of source.matchAll(OBJECT)) objects.set(id!, body!);
  const fonts = embeddedFonts(objects);
  const contentIds = new Set<string>();
  for (const body of objects.values()) for (const [, id] of body.matchAll(CONTENTS)) contentIds.add(id!);
  const content = [...objects].filter(([id]) => contentIds.has(id)).map(([, body]) => body);
  const lines: string[] = [];
  let font: string | undefined;
  for (const [, body] of content.join('\n').matchAll(TEXT_OBJECT)) {
    let text = '';
    for (const [, name, hex] of (body ?? '').matchAll(TEXT_PART)) {
      if (name) font = name;
      else text += decode(hex ?? '', font ? fonts.get(font) : undefined);
    }
    lines.push(text);
  }
  return lines.join('\n');
}
