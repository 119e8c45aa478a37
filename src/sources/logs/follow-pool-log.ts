// Follows a pool log as it grows (`watch --pool-log`, `check --pool-log`):
// each poll reads what was appended since the last one, through the same
// splitter and parser as `analyze`. A file that does not exist yet is waited
// for; one that shrinks (rotated, truncated) is read again from the start.
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs'
import { noSkippedLines, noteSkippedLine, type PoolEvent, type SkippedLineCount } from '../../core/pool-event.js'
import { LineSplitter } from './line-splitter.js'
import type { LineParser } from './log-format.js'
import { detectLogFormat, logFormatNamed } from './log-formats.js'

const READ_BYTES = 1024 * 1024

export class PoolLogFollower {
  readonly path: string
  readonly skipped: SkippedLineCount = noSkippedLines()
  readonly #forcedFormat: string | undefined
  #offset = 0
  #splitter = new LineSplitter(this.skipped)
  #parser: LineParser | undefined
  #format: string | undefined

  constructor(path: string, format?: string) {
    this.path = path
    this.#forcedFormat = format
    if (format !== undefined) logFormatNamed(format)
  }

  get format(): string | undefined {
    return this.#format
  }

  /** Reads what was appended since the last call and returns its events. */
  poll(): PoolEvent[] {
    let fd: number
    try {
      fd = openSync(this.path, 'r')
    } catch {
      return []
    }
    const events: PoolEvent[] = []
    try {
      const size = fstatSync(fd).size
      if (size < this.#offset) {
        this.#offset = 0
        this.#splitter = new LineSplitter(this.skipped)
      }
      const buffer = Buffer.alloc(READ_BYTES)
      while (this.#offset < size) {
        const read = readSync(fd, buffer, 0, Math.min(READ_BYTES, size - this.#offset), this.#offset)
        if (read <= 0) break
        this.#offset += read
        this.#splitter.push(buffer.subarray(0, read), (line, lineNumber) => this.#parse(line, lineNumber, events))
      }
    } finally {
      closeSync(fd)
    }
    return events
  }

  #parse(line: string, lineNumber: number, events: PoolEvent[]): void {
    if (!this.#parser) {
      const format = this.#forcedFormat !== undefined ? logFormatNamed(this.#forcedFormat) : detectLogFormat([line])
      this.#format = format.name
      this.#parser = format.create()
    }
    const parsed = this.#parser.parseLine(line, lineNumber)
    if (parsed === undefined) {
      noteSkippedLine(this.skipped, lineNumber)
      return
    }
    events.push(...parsed)
  }

  /** Whether the file exists (yet). */
  exists(): boolean {
    try {
      return statSync(this.path).isFile()
    } catch {
      return false
    }
  }
}
