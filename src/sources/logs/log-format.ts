// A log format: how to recognise it from a file's first lines, and how to
// turn each line into pool events. Parsers keep whatever state they need
// across lines (a pid's application name in a server log, a traceback that
// continues a warning) in the object `create()` returns, and must give the
// same events however the file is cut into lines... which it always is: the
// splitter hands them whole lines, in order, without line terminators.
import type { PoolEvent } from '../../core/pool-event.js'

/**
 * What a parser returns for a line it recognises as its own that says nothing about pools: the reader then
 * spares it the search for pool-exhaustion texts, which only other lines can hold.
 */
export const OWN_LINE_NOTHING_TO_SAY: readonly PoolEvent[] = Object.freeze([])

/**
 * What a parser returns for a line of the pool's own logger whose message it does not understand: a
 * new library version's wording, or a layout it misreads. The reader counts and shows these
 * (`unrecognisedPoolLines`) rather than folding them into "nothing to say", because a checkout read
 * as nothing is a leak missed without a word.
 */
export const OWN_LINE_NOT_UNDERSTOOD: readonly PoolEvent[] = Object.freeze([])

export interface LineParser {
  /**
   * Events from one line (none for lines that say nothing about pools).
   * Return `undefined` for a line this format cannot read at all: it is
   * counted as skipped. `lineNumber` is 1-based.
   */
  parseLine(line: string, lineNumber: number): readonly PoolEvent[] | undefined
  /**
   * `parseLine` on the line's UTF-8 bytes, `bytes[start..end)`, for formats whose files run to
   * gigabytes: reading bytes costs a fraction of reading a decoded string's characters, and only
   * what an event keeps is decoded. Must give the same events as `parseLine` on the decoded line
   * (implement one through the other). `bytes` is only valid during the call.
   */
  parseBytes?(bytes: Buffer, start: number, end: number, lineNumber: number): readonly PoolEvent[] | undefined
  /** Events held back waiting for a continuation line, at the end of the file. */
  finish?(): readonly PoolEvent[]
}

export interface LogFormat {
  /** The name `--format` takes. */
  readonly name: string
  readonly description: string
  /** How sure this format is about the first lines of a file, 0 (not it) to 1 (certainly it). */
  sniff(firstLines: readonly string[]): number
  create(): LineParser
  /**
   * The format reports pool-exhaustion texts itself (the server's own FATALs, HikariCP's timeout): the
   * reader then leaves its catch-all matcher out, which saves time and double counts.
   */
  readonly readsExhaustionTexts?: boolean
}
