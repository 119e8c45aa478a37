// Reading a line from its bytes: the helpers parsers of gigabyte logs use
// instead of decoding every line. A byte costs a fraction of what a decoded
// string's character costs to look at, and only what an event keeps is ever
// decoded (into a string of its own, so nothing pins the chunk it came from).

/**
 * Buffer's own decoders, called directly: `toString(encoding, start, end)` checks its arguments and
 * looks the encoding up on every call, which on a log of millions of lines costs as much as the
 * decoding. They are not in Node's typings, so they are looked up once and fall back to `toString`.
 */
export type SliceDecoder = (this: Buffer, start: number, end: number) => string
const decoders = Buffer.prototype as unknown as { latin1Slice?: SliceDecoder; utf8Slice?: SliceDecoder }
export const latin1Decoder: SliceDecoder =
  decoders.latin1Slice ??
  function (this: Buffer, start, end) {
    return this.toString('latin1', start, end)
  }
export const utf8Decoder: SliceDecoder =
  decoders.utf8Slice ??
  function (this: Buffer, start, end) {
    return this.toString('utf8', start, end)
  }

/** The text of `bytes[start..end)`, UTF-8 ('' when the range is empty). */
export function textOf(bytes: Buffer, start: number, end: number): string {
  return end > start ? utf8Decoder.call(bytes, start, end) : ''
}

/** The text of `bytes[start..end)` known to be ASCII (hex digits, numbers). */
export function asciiOf(bytes: Buffer, start: number, end: number): string {
  return end > start ? latin1Decoder.call(bytes, start, end) : ''
}

/** Whether `needle` is at `at`, wholly before `end`. */
export function bytesAt(bytes: Uint8Array, at: number, end: number, needle: Uint8Array): boolean {
  if (at < 0 || at + needle.length > end) return false
  for (let i = 0; i < needle.length; i++) if (bytes[at + i] !== needle[i]) return false
  return true
}

/**
 * Where `needle` (two bytes or more) first starts in `bytes[from..limit)`, running on past `limit`
 * but not past `end`, or -1. A loop here, not Buffer#indexOf: within one line, a native call and
 * its search tables cost more than looking at the few dozen bytes before the match.
 */
export function indexOfBytes(bytes: Uint8Array, needle: Uint8Array, from: number, limit: number, end: number): number {
  const first = needle[0]
  const second = needle[1]
  for (let at = from; at < limit; at++) if (bytes[at] === first && bytes[at + 1] === second && bytesAt(bytes, at, end, needle)) return at
  return -1
}

/**
 * Finds a needle in the lines of one buffer in turn with one native search per occurrence, not one
 * per line: a search that finds it three lines on is remembered for the two lines in between, and a
 * buffer without it is searched once. (A buffer is never refilled while its lines are being read.)
 */
export class NeedleSearch {
  readonly #needle: Buffer
  #bytes: Buffer | undefined
  #from = 0
  #at = -1

  constructor(needle: string) {
    this.#needle = Buffer.from(needle)
  }

  /** Where the needle next starts at or after `from` in `bytes` (Infinity: nowhere after it). */
  next(bytes: Buffer, from: number): number {
    if (bytes !== this.#bytes || from < this.#from || this.#at < from) {
      const at = bytes.indexOf(this.#needle, from)
      this.#bytes = bytes
      this.#from = from
      this.#at = at === -1 ? Infinity : at
    }
    return this.#at
  }
}

/**
 * A DataView of `bytes`, to read four bytes in one go. Kept for the buffer it was made for, so a
 * chunk's lines share one; a line given on its own (a Buffer of its own) gets its own.
 */
export function viewOf(bytes: Uint8Array): DataView {
  if (bytes !== viewed) {
    viewed = bytes
    view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }
  return view
}
let viewed: Uint8Array | undefined
let view: DataView = new DataView(new ArrayBuffer(0))

/** `byte` in each of four bytes, for `hasByte`. */
export function repeated(byte: number): number {
  return (byte * 0x01010101) | 0
}

/** Whether one of the four bytes of `word` is the byte `pattern` repeats (the classic has-zero-byte test on word ^ pattern). */
export function hasByte(word: number, pattern: number): boolean {
  const x = word ^ pattern
  return ((x - 0x01010101) & ~x & 0x80808080) !== 0
}

/**
 * Where to go on looking for the byte `pattern` repeats, from `at` in `bytes[..end)`: past every whole
 * four-byte word without it, so a scan for a byte that is rare in a line steps four bytes at a time.
 * The byte itself is then found byte by byte within the word returned (or in the last few bytes).
 */
export function skipWordsWithout(bytes: Uint8Array, pattern: number, at: number, end: number): number {
  const view = viewOf(bytes)
  while (at + 4 <= end && !hasByte(view.getUint32(at, true), pattern)) at += 4
  return at
}

/** Bytes looked for at a known place, compared four at a time: the long message starts every line is checked against. */
export class Needle {
  readonly bytes: Buffer
  /** The needle's whole four-byte words, as `DataView#getInt32(at, true)` reads them. */
  readonly #words: Int32Array

  constructor(text: string) {
    this.bytes = Buffer.from(text)
    this.#words = new Int32Array(this.bytes.length >> 2)
    for (let i = 0; i < this.#words.length; i++) this.#words[i] = this.bytes.readInt32LE(i * 4)
  }

  get length(): number {
    return this.bytes.length
  }

  /** Where the needle first starts in `bytes[from..end)`, or -1: its first byte looked for four bytes at a time. */
  indexIn(bytes: Uint8Array, from: number, end: number): number {
    const first = this.bytes[0]!
    const firsts = repeated(first)
    for (let at = from; at + this.bytes.length <= end; at++) {
      at = skipWordsWithout(bytes, firsts, at, end)
      if (bytes[at] === first && this.isAt(bytes, at, end)) return at
    }
    return -1
  }

  /** Whether the needle is at `at` in `bytes`, wholly before `end`. */
  isAt(bytes: Uint8Array, at: number, end: number): boolean {
    const length = this.bytes.length
    if (at < 0 || at + length > end) return false
    const view = viewOf(bytes)
    const words = this.#words
    for (let i = 0; i < words.length; i++) if (view.getInt32(at + i * 4, true) !== words[i]) return false
    for (let i = words.length * 4; i < length; i++) if (bytes[at + i] !== this.bytes[i]) return false
    return true
  }
}
