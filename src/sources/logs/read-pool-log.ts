// Streams a pool or server log (a file, gzip or not, or `-` for stdin)
// through the line splitter and the right parser, and hands each event on.
// The format is detected from the first lines unless one is forced. Pool
// exhaustion texts are recognised on any line the format itself has nothing
// to say about, whatever wrote it. Memory stays flat: nothing but the first
// lines (for detection) and the parser's own small state is kept.
import type { Readable } from 'node:stream'
import { noSkippedLines, noteSkippedLine, type PoolEvent, type SkippedLineCount } from '../../core/pool-event.js'
import { PgleakError } from '../../errors.js'
import { matchExhaustion } from './exhaustion-texts.js'
import { detectLogFormat, logFormatNamed } from './log-formats.js'
import { OWN_LINE_NOTHING_TO_SAY, type LineParser, type LogFormat } from './log-format.js'
import { LineSplitter } from './line-splitter.js'
import { openLogInput } from './log-input.js'

/** Lines read before the format is decided. */
const SNIFF_LINES = 50

export interface ReadPoolLogOptions {
  /** Force a format by name instead of detecting it. */
  readonly format?: string
  readonly onEvent: (event: PoolEvent) => void
  /** Bytes read so far (compressed bytes for gzip), for a progress line. */
  readonly onProgress?: (bytesRead: number, totalBytes: number | undefined) => void
  /** Where `-` reads from. (Default: process.stdin.) */
  readonly stdin?: Readable
}

export interface PoolLogSummary {
  readonly path: string
  readonly format: string
  readonly lines: number
  readonly events: number
  readonly skipped: SkippedLineCount
}

export async function readPoolLog(path: string, options: ReadPoolLogOptions): Promise<PoolLogSummary> {
  const forced = options.format !== undefined ? logFormatNamed(options.format) : undefined
  const input = await openLogInput(path, options.stdin ?? process.stdin)
  const skipped = noSkippedLines()
  const splitter = new LineSplitter(skipped)
  let format: LogFormat | undefined = forced
  let parser: LineParser | undefined = forced?.create()
  const held: { line: string; lineNumber: number }[] = []
  let events = 0

  const emit = (event: PoolEvent): void => {
    events++
    options.onEvent(event)
  }
  /**
   * What a parser made of a line: skipped, events, or nothing; true when the line should then be
   * searched for other libraries' exhaustion texts.
   */
  const take = (parsed: readonly PoolEvent[] | undefined, lineNumber: number): boolean => {
    if (parsed === undefined) {
      noteSkippedLine(skipped, lineNumber)
      return false
    }
    for (let i = 0; i < parsed.length; i++) emit(parsed[i]!)
    return parsed.length === 0 && !format?.readsExhaustionTexts && parsed !== OWN_LINE_NOTHING_TO_SAY
  }
  const lookForExhaustion = (text: string, lineNumber: number): void => {
    const exhaustion = matchExhaustion(text)
    if (exhaustion) {
      emit({
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
  }
  const parse = (line: string, lineNumber: number): void => {
    if (take(parser!.parseLine(line, lineNumber), lineNumber)) lookForExhaustion(line, lineNumber)
  }
  const decide = (): void => {
    format = detectLogFormat(held.map((h) => h.line))
    parser = format.create()
    for (const { line, lineNumber } of held) parse(line, lineNumber)
    held.length = 0
  }
  const onLine = (bytes: Buffer, start: number, end: number, lineNumber: number): void => {
    if (parser?.parseBytes) {
      // Bytes in, and the line decoded only if nothing in it was the format's own.
      if (take(parser.parseBytes(bytes, start, end, lineNumber), lineNumber)) lookForExhaustion(splitter.decode(bytes, start, end), lineNumber)
      return
    }
    const line = splitter.decode(bytes, start, end)
    if (parser) return parse(line, lineNumber)
    held.push({ line, lineNumber })
    if (held.length >= SNIFF_LINES) decide()
  }

  try {
    for await (const chunk of input.chunks) {
      splitter.pushRaw(chunk, onLine)
      options.onProgress?.(input.bytesRead(), input.totalBytes)
    }
  } catch (error) {
    if (error instanceof PgleakError) throw error
    throw new PgleakError('FILE_UNREADABLE', `cannot read ${path}: ${(error as Error).message}`, { cause: error })
  }
  splitter.endRaw(onLine)
  if (!parser) decide()
  for (const event of parser!.finish?.() ?? []) emit(event)
  return { path, format: format!.name, lines: splitter.lineCount, events, skipped }
}
