// The text of an uncompressed pdfkit PDF (compress: false), for assertions: each text object's
// strings (pdfkit writes them as hex in TJ arrays, split wherever kerning applies) joined back
// together, one text object per line. Standard fonts use single-byte codes (Windows-1252).
const TEXT_OBJECT = /\bBT\b([\s\S]*?)\bET\b/g;
const HEX_STRING = /<([0-9a-fA-F\s]*)>/g;

export function pdfText(pdf: Buffer): string {
  const source = pdf.toString('latin1');
  if (!source.startsWith('%PDF-')) throw new Error('not a PDF');
  const lines: string[] = [];
  for (const [, body] of source.matchAll(TEXT_OBJECT)) {
    let text = '';
    for (const [, hex] of (body ?? '').matchAll(HEX_STRING)) {
      text += new TextDecoder('windows-1252').decode(Buffer.from((hex ?? '').replace(/\s+/g, ''), 'hex'));
    }
    lines.push(text);
  }
  return lines.join('\n');
}
