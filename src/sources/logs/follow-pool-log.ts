// Follows a pool log as it grows (`watch --pool-log`, `check --pool-log`):
// each poll pushes what was appended since the last one through the same
// reader `analyze` uses, so both give the same events for the same file. A
// file that does not exist yet is waited for; one that shrinks (rotated,
// truncated) is read again from the start.
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs'
import type { PoolEvent } from '../../core/pool-event.js'
import { logFormatNamed } from './log-formats.js'
import { PoolLogReader, type PoolLogReaderSummary } from './pool-log-reader.js'

const READ_BYTES = 1024 * 1024

export class PoolLogFollower {
  readonly path: string
  readonly #forcedFormat: string | undefined
  readonly #buffer = Buffer.allocUnsafe(READ_BYTES)
  #offset = 0
  #pending: PoolEvent[] = []
  #reader: PoolLogReader

  constructor(path: string, format?: string) {
    this.path = path
    this.#forcedFormat = format
    if (format !== undefined) logFormatNamed(format)
    this.#reader = this.#newReader()
  }

  get format(): string | undefined {
    return this.#reader.summary().format
  }

  /** Lines skipped, not understood, and refusals quoted twice, so far. */
  summary(): PoolLogReaderSummary {
    return this.#reader.summary()
  }

  /** Reads what was appended since the last call and returns its events. */
  poll(): PoolEvent[] {
    let fd: number
    try {
      fd = openSync(this.path, 'r')
    } catch {
      return []
    }
    let grew = false
    try {
      const size = fstatSync(fd).size
      if (size < this.#offset) {
        this.#offset = 0
        this.#reader = this.#newReader()
      }
      while (this.#offset < size) {
        const read = readSync(fd, this.#buffer, 0, Math.min(READ_BYTES, size - this.#offset), this.#offset)
        if (read <= 0) break
        this.#offset += read
        grew = true
        this.#reader.push(this.#buffer.subarray(0, read))
      }
    } finally {
      closeSync(fd)
    }
    // A file that stopped growing before the lines detection wants gets its format from what it has.
    if (!grew) this.#reader.decideNow()
    return this.#take()
  }

  /** The end of following: the last line, even without a line end, and what the parser held back. */
  finish(): PoolEvent[] {
    this.#reader.end()
    return this.#take()
  }

  /** Whether the file exists (yet). */
  exists(): boolean {
    try {
      return statSync(this.path).isFile()
    } catch {
      return false
    }
  }

  #newReader(): PoolLogReader {
    return new PoolLogReader((event) => this.#pending.push(event), this.#forcedFormat)
  }

  #take(): PoolEvent[] {
    const events = this.#pending
    this.#pending = []
    return events
  }
}
