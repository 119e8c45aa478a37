// Streams a pool or server log (a file, gzip or not, or `-` for stdin)
// through the one pool-log reader, and hands each event on. Memory stays
// flat: nothing but the first lines (for detection) and the parser's own
// small state is kept.
import type { Readable } from 'node:stream'
import type { PoolEvent, SkippedLineCount } from '../../core/pool-event.js'
import { PgleakError } from '../../errors.js'
import { openLogInput } from './log-input.js'
import { PoolLogReader, type UnrecognisedPoolLines } from './pool-log-reader.js'

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
  readonly unrecognisedPoolLines: UnrecognisedPoolLines
  /** Refusals and timeouts a traceback quoted again (a chained exception and its wrapper), counted once. */
  readonly repeatedInTraceback: number
}

export async function readPoolLog(path: string, options: ReadPoolLogOptions): Promise<PoolLogSummary> {
  const reader = new PoolLogReader(options.onEvent, options.format)
  const input = await openLogInput(path, options.stdin ?? process.stdin)
  try {
    for await (const chunk of input.chunks) {
      reader.push(chunk)
      options.onProgress?.(input.bytesRead(), input.totalBytes)
    }
  } catch (error) {
    if (error instanceof PgleakError) throw error
    const code = (error as NodeJS.ErrnoException).code
    const hint =
      code === 'Z_BUF_ERROR' || code === 'Z_DATA_ERROR'
        ? 'The gzip file is cut short or damaged (copied while being written?): copy it again, or read what it holds with zcat FILE | pgleak analyze -.'
        : 'Check that the file is readable by this user.'
    throw new PgleakError('FILE_UNREADABLE', `cannot read ${path}: ${(error as Error).message}`, { cause: error, hint })
  }
  reader.end()
  const summary = reader.summary()
  return { path, ...summary, format: summary.format! }
}
