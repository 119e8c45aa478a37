// Streams a pool or server log (a file, gzip or not, or `-` for stdin)
// through the line splitter and the right parser, and hands each event on.
// The format is detected from the first lines unless one is forced. Pool
// exhaustion texts are recognised on any line the format itself has nothing
// to say about, whatever wrote it. Memory stays flat: nothing but the first
// lines (for detection) and the parser's own small state is kept.
import { createReadStream, ReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import type { Readable } from 'node:stream'
import { createGunzip } from 'node:zlib'
import { noSkippedLines, noteSkippedLine, type PoolEvent, type SkippedLineCount } from '../../core/pool-event.js'
import { PgleakError } from '../../errors.js'
import { matchExhaustion } from './exhaustion-texts.js'
import { detectLogFormat, logFormatNamed } from './log-formats.js'
import { OWN_LINE_NOTHING_TO_SAY, type LineParser, type LogFormat } from './log-format.js'
import { LineSplitter } from './line-splitter.js'

/** Lines read before the format is decided. */
const SNIFF_LINES = 50
const GZIP_MAGIC = [0x1f, 0x8b]

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

async function openInput(path: string, options: ReadPoolLogOptions): Promise<{ stream: AsyncIterable<Buffer>; totalBytes: number | undefined; raw: Readable }> {
  if (path === '-') {
    const stdin = options.stdin ?? process.stdin
    return { stream: stdin, totalBytes: undefined, raw: stdin }
  }
  let totalBytes: number
  try {
    const info = await stat(path)
    if (!info.isFile()) throw new Error('not a file')
    totalBytes = info.size
  } catch (error) {
    throw new PgleakError('FILE_UNREADABLE', `cannot read ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`, { cause: error })
  }
  const raw = createReadStream(path, { highWaterMark: 1024 * 1024 })
  return { stream: raw, totalBytes, raw }
}

/** Gunzips when the data starts with gzip's magic bytes, whatever the file is called. */
async function* decompressIfGzip(input: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const iterator = input[Symbol.asyncIterator]()
  const first = await iterator.next()
  if (first.done) return
  const head: Buffer = first.value
  const rest = { [Symbol.asyncIterator]: () => iterator }
  if (head[0] !== GZIP_MAGIC[0] || head[1] !== GZIP_MAGIC[1]) {
    yield head
    yield* rest
    return
  }
  const gunzip = createGunzip()
  const feed = (async () => {
    gunzip.write(head)
    for await (const chunk of rest) if (!gunzip.write(chunk)) await new Promise((resolve) => gunzip.once('drain', resolve))
    gunzip.end()
  })()
  feed.catch((error: unknown) => gunzip.destroy(error as Error))
  yield* gunzip
}

export async function readPoolLog(path: string, options: ReadPoolLogOptions): Promise<PoolLogSummary> {
  const forced = options.format !== undefined ? logFormatNamed(options.format) : undefined
  const { stream, totalBytes, raw } = await openInput(path, options)
  const skipped = noSkippedLines()
  const splitter = new LineSplitter(skipped)
  let format: LogFormat | undefined = forced
  let parser: LineParser | undefined = forced?.create()
  const held: { line: string; lineNumber: number }[] = []
  let events = 0
  let bytesRead = 0

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
    for await (const chunk of decompressIfGzip(stream)) {
      splitter.pushRaw(chunk, onLine)
      // A file stream counts the bytes it read, which for gzip is what the progress compares with the file's size.
      bytesRead = raw instanceof ReadStream ? raw.bytesRead : bytesRead + chunk.length
      options.onProgress?.(bytesRead, totalBytes)
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
