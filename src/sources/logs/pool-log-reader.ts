// The one incremental reader of pool and server logs: bytes in, events out.
// `analyze` pushes a whole file through it, `watch --pool-log` pushes what
// was appended since the last poll; both get the same events, because the
// format detection, the catch-all search for exhaustion texts, the skip and
// "not understood" counts and the one-refusal-per-traceback rule all live
// here and nowhere else.
import { noSkippedLines, noteSkippedLine, type PoolEvent, type SkippedLineCount } from '../../core/pool-event.js'
import { matchExhaustion } from './exhaustion-texts.js'
import { LineSplitter } from './line-splitter.js'
import { OWN_LINE_NOT_UNDERSTOOD, OWN_LINE_NOTHING_TO_SAY, type LineParser, type LogFormat } from './log-format.js'
import { detectLogFormat, logFormatNamed } from './log-formats.js'
import { LogRecords } from './log-records.js'

/** Lines read before the format is decided. */
export const SNIFF_LINES = 50
/** Lines of the pool's own logger that were not understood, kept to show. */
const UNRECOGNISED_KEPT = 5
const UNRECOGNISED_TEXT_CHARS = 500

/** Lines of the pool's own logger whose message the parser did not understand: a checkout read as nothing would be a leak missed without a word. */
export interface UnrecognisedPoolLines {
  count: number
  readonly first: { readonly line: number; readonly text: string }[]
}

export interface PoolLogReaderSummary {
  /** The format decided on, or undefined while fewer lines than it needs have come. */
  readonly format: string | undefined
  readonly lines: number
  readonly events: number
  readonly skipped: SkippedLineCount
  readonly unrecognisedPoolLines: UnrecognisedPoolLines
  /** Refusals and timeouts left out because the same traceback had already quoted them. */
  readonly repeatedInTraceback: number
}

export class PoolLogReader {
  readonly skipped: SkippedLineCount = noSkippedLines()
  readonly unrecognised: UnrecognisedPoolLines = { count: 0, first: [] }
  readonly #onEvent: (event: PoolEvent) => void
  readonly #splitter = new LineSplitter(this.skipped)
  readonly #records = new LogRecords()
  #format: LogFormat | undefined
  #parser: LineParser | undefined
  readonly #held: { line: string; lineNumber: number }[] = []
  #events = 0
  #repeated = 0
  #ended = false

  /** `format` forces one by name (`--format`); otherwise it is detected from the first lines. */
  constructor(onEvent: (event: PoolEvent) => void, format?: string) {
    this.#onEvent = onEvent
    if (format !== undefined) {
      this.#format = logFormatNamed(format)
      this.#parser = this.#format.create()
    }
  }

  /** Bytes of the log, in order, cut anywhere. The chunk is not kept. */
  push(chunk: Buffer): void {
    this.#splitter.pushRaw(chunk, this.#onLine)
  }

  /**
   * Decides the format from the lines held so far, if it is not decided yet: for a follower whose file
   * has stopped growing before the first lines it needs came. Detection on fewer lines is less sure,
   * so a whole file read at once never needs this.
   */
  decideNow(): void {
    if (!this.#parser && this.#held.length > 0) this.#decide()
  }

  /** The end of the log: the last line without a line end, held lines, a parser's held-back events. */
  end(): void {
    if (this.#ended) return
    this.#ended = true
    this.#splitter.endRaw(this.#onLine)
    if (!this.#parser) this.#decide()
    for (const event of this.#parser!.finish?.() ?? []) this.#emit(event)
  }

  summary(): PoolLogReaderSummary {
    return {
      format: this.#format?.name,
      lines: this.#splitter.lineCount,
      events: this.#events,
      skipped: this.skipped,
      unrecognisedPoolLines: this.unrecognised,
      repeatedInTraceback: this.#repeated,
    }
  }

  #emit(event: PoolEvent): void {
    this.#events++
    this.#onEvent(event)
  }

  /** An exhaustion event, unless the traceback it is part of already gave one of its kind. */
  #emitExhaustion(event: PoolEvent): void {
    if (this.#records.isRepeat(event.type)) this.#repeated++
    else this.#emit(event)
  }

  readonly #onLine = (bytes: Buffer, start: number, end: number, lineNumber: number): void => {
    if (!this.#parser) {
      this.#held.push({ line: this.#splitter.decode(bytes, start, end), lineNumber })
      if (this.#held.length >= SNIFF_LINES) this.#decide()
      return
    }
    // Bytes in, and the line decoded only when something needs its text.
    if (this.#parser.parseBytes) {
      let text: string | undefined
      const decoded = (): string => (text ??= this.#splitter.decode(bytes, start, end))
      this.#records.see(bytes, start, end)
      this.#take(this.#parser.parseBytes(bytes, start, end, lineNumber), lineNumber, decoded)
      return
    }
    this.#parse(this.#splitter.decode(bytes, start, end), lineNumber)
  }

  #parse(line: string, lineNumber: number): void {
    this.#records.seeText(line)
    this.#take(this.#parser!.parseLine(line, lineNumber), lineNumber, () => line)
  }

  #take(parsed: readonly PoolEvent[] | undefined, lineNumber: number, text: () => string): void {
    if (parsed === undefined) {
      noteSkippedLine(this.skipped, lineNumber)
      return
    }
    if (parsed === OWN_LINE_NOT_UNDERSTOOD) return this.#noteUnrecognised(lineNumber, text)
    for (let i = 0; i < parsed.length; i++) {
      const event = parsed[i]!
      if (event.type === 'pool-timeout' || event.type === 'too-many-clients') this.#emitExhaustion(event)
      else this.#emit(event)
    }
    if (parsed.length > 0 || parsed === OWN_LINE_NOTHING_TO_SAY || this.#format!.readsExhaustionTexts) return
    // A line the format has nothing to say about may still be another library's "no connection to be had".
    const exhaustion = matchExhaustion(text())
    if (!exhaustion) return
    this.#emitExhaustion({
      type: exhaustion.type,
      source: 'application',
      atMillis: null,
      line: lineNumber,
      pool: exhaustion.library,
      ...(exhaustion.poolSize !== undefined ? { poolSize: exhaustion.poolSize } : {}),
      ...(exhaustion.maxOverflow !== undefined ? { maxOverflow: exhaustion.maxOverflow } : {}),
      ...(exhaustion.timeoutSeconds !== undefined ? { timeoutSeconds: exhaustion.timeoutSeconds } : {}),
      text: exhaustion.text,
    })
  }

  #noteUnrecognised(lineNumber: number, text: () => string): void {
    this.unrecognised.count++
    if (this.unrecognised.first.length < UNRECOGNISED_KEPT) this.unrecognised.first.push({ line: lineNumber, text: text().slice(0, UNRECOGNISED_TEXT_CHARS) })
  }

  #decide(): void {
    this.#format = detectLogFormat(this.#held.map((h) => h.line))
    this.#parser = this.#format.create()
    for (const { line, lineNumber } of this.#held) this.#parse(line, lineNumber)
    this.#held.length = 0
  }
}
