/**
 * SQL text and its UTF-8 bytes. The parser's locations are byte offsets into the UTF-8 text,
 * while a JavaScript string is indexed in UTF-16 units and PostgreSQL reports positions in
 * characters: each needs its own conversion once the text is not ASCII.
 */
export class Source {
  readonly bytes: Buffer;
  private readonly ascii: boolean;

  constructor(readonly text: string) {
    this.bytes = Buffer.from(text, 'utf8');
    this.ascii = this.bytes.length === text.length;
  }

  /** The index into `text` of a byte offset. */
  index(byte: number): number {
    return this.ascii ? byte : this.bytes.toString('utf8', 0, byte).length;
  }

  /** The 1-based character position of a byte offset: the bytes before it that start a character, plus one. */
  character(byte: number): number {
    if (this.ascii) return byte + 1;
    let position = 1;
    for (let i = 0; i < byte; i++) if ((this.bytes[i]! & 0xc0) !== 0x80) position++; // byte is an offset within the text
    return position;
  }

  /** The byte offset of a statement's first word: the parser's statement start includes the blanks and comments before it. */
  firstWord(byte: number): number {
    LEADING.lastIndex = this.index(byte);
    return byte + Buffer.byteLength(LEADING.exec(this.text)![0]);
  }
}

const LEADING = /(?:\s+|--[^\n]*|\/\*[\s\S]*?\*\/)*/y;
