// Bytes in, whole lines out, however the input is cut into chunks: the same
// file fed at once, line by line or in arbitrary pieces gives the same lines.
// Splits on LF with Buffer#indexOf (no decoding until a line is whole), drops
// a trailing CR, and counts rather than passes on lines no parser should see:
// longer than the limit, or with NUL bytes (a binary file). Each line is
// decoded on its own, so no line is a slice of a bigger string that a parser
// might keep alive; or handed over as bytes, for parsers that decode only the
// few fields they keep.
import { isAscii } from 'node:buffer'
import { noteSkippedLine, type SkippedLineCount } from '../../core/pool-event.js'
import { latin1Decoder, utf8Decoder, type SliceDecoder } from './line-bytes.js'

export const MAX_LINE_BYTES = 64 * 1024
const LF = 0x0a
const CR = 0x0d
const NUL = 0x00

export type LineHandler = (line: string, lineNumber: number) => void
/**
 * A line as its bytes, `bytes[start..end)` (no terminator), for parsers that read bytes and decode
 * only what they keep. `bytes` holds more than the line and is only valid during the call.
 */
export type RawLineHandler = (bytes: Buffer, start: number, end: number, lineNumber: number) => void

export class LineSplitter {
  readonly skipped: SkippedLineCount
  #pending: Buffer | undefined
  #isSkippingOverLong = false
  #lineNumber = 0
  /** Where the next NUL byte is in the buffer being split (-1: none): one scan per buffer, not one per line. */
  #nextNul = -1
  /** latin1 when the buffer being split is all ASCII: it decodes to the same text, faster. */
  #decode: SliceDecoder = utf8Decoder

  constructor(skipped: SkippedLineCount) {
    this.skipped = skipped
  }

  get lineCount(): number {
    return this.#lineNumber
  }

  push(chunk: Buffer, onLine: LineHandler): void {
    this.pushRaw(chunk, (bytes, start, end, lineNumber) => onLine(this.decode(bytes, start, end), lineNumber))
  }

  /** The text of a line a raw handler is being given (decoded as ASCII when its buffer is all ASCII). */
  decode(bytes: Buffer, start: number, end: number): string {
    return this.#decode.call(bytes, start, end)
  }

  pushRaw(chunk: Buffer, onLine: RawLineHandler): void {
    let start = 0
    if (this.#pending || this.#isSkippingOverLong) {
      // Finish the line begun in an earlier chunk, copying only that line, not the whole chunk.
      const end = chunk.indexOf(LF)
      if (end === -1) return this.#keep(chunk, 0)
      const line = this.#pending ? Buffer.concat([this.#pending, chunk.subarray(0, end)]) : chunk.subarray(0, end)
      this.#pending = undefined
      this.#nextNul = line.indexOf(NUL)
      this.#decode = isAscii(line) ? latin1Decoder : utf8Decoder
      this.#emit(line, 0, line.length, onLine)
      start = end + 1
    }
    this.#nextNul = chunk.indexOf(NUL, start)
    this.#decode = isAscii(chunk) ? latin1Decoder : utf8Decoder
    for (;;) {
      const end = chunk.indexOf(LF, start)
      if (end === -1) break
      this.#emit(chunk, start, end, onLine)
      start = end + 1
    }
    if (start < chunk.length) this.#keep(chunk, start)
  }

  /** Holds the unfinished end of a chunk for the next one, unless the line is already too long. */
  #keep(chunk: Buffer, start: number): void {
    const held = (this.#pending?.length ?? 0) + chunk.length - start
    if (this.#isSkippingOverLong || held > MAX_LINE_BYTES) {
      // Keep nothing of a line already too long; drop bytes until its end.
      if (!this.#isSkippingOverLong) this.#countSkipped(this.#lineNumber + 1, 'overLong')
      this.#isSkippingOverLong = true
      this.#pending = undefined
      return
    }
    // Copy: holding a view would pin the whole chunk until the line ends.
    const rest = Buffer.from(chunk.subarray(start))
    this.#pending = this.#pending ? Buffer.concat([this.#pending, rest]) : rest
  }

  /** The last line when the input does not end with a newline. */
  end(onLine: LineHandler): void {
    this.endRaw((bytes, start, end, lineNumber) => onLine(this.decode(bytes, start, end), lineNumber))
  }

  endRaw(onLine: RawLineHandler): void {
    if (this.#pending && this.#pending.length > 0) {
      this.#nextNul = this.#pending.indexOf(NUL)
      this.#decode = utf8Decoder
      this.#emit(this.#pending, 0, this.#pending.length, onLine)
    }
    this.#pending = undefined
    this.#isSkippingOverLong = false
  }

  #emit(data: Buffer, start: number, end: number, onLine: RawLineHandler): void {
    const lineNumber = ++this.#lineNumber
    if (this.#isSkippingOverLong) {
      this.#isSkippingOverLong = false
      return
    }
    if (end - start > MAX_LINE_BYTES) return this.#countSkipped(lineNumber, 'overLong')
    let stop = end
    if (stop > start && data[stop - 1] === CR) stop--
    if (this.#nextNul !== -1 && this.#nextNul < start) this.#nextNul = data.indexOf(NUL, start)
    if (this.#nextNul !== -1 && this.#nextNul < stop) return this.#countSkipped(lineNumber, 'binary')
    onLine(data, start, stop, lineNumber)
  }

  #countSkipped(lineNumber: number, why: 'overLong' | 'binary'): void {
    noteSkippedLine(this.skipped, lineNumber, why)
  }
}
