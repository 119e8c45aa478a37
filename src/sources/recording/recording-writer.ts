// Appends events to a recording, one synchronous write per line: when
// pgleak is killed, every line already written is whole. A name ending in
// `.gz` is written gzip, each line a gzip member of its own: concatenated
// members are one valid gzip stream, so a cut file still reads to its last
// whole line.
import { closeSync, existsSync, openSync, rmSync, writeSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { PgleakError } from '../../errors.js'
import type { RecordingEvent } from './recording-format.js'

export class RecordingWriter {
  readonly path: string
  #fd: number | undefined
  /** Made by this run: removed again if the run ends before writing a line (it never connected). */
  readonly #isNew: boolean
  readonly #isGzip: boolean
  #hasWritten = false

  private constructor(path: string, fd: number, isNew: boolean) {
    this.path = path
    this.#fd = fd
    this.#isNew = isNew
    this.#isGzip = path.endsWith('.gz')
  }

  /** Opened before connecting, so an unwritable path fails at once rather than after the watch. */
  static open(path: string): RecordingWriter {
    const isNew = !existsSync(path)
    try {
      return new RecordingWriter(path, openSync(path, 'a'), isNew)
    } catch (error) {
      throw new PgleakError('FILE_UNREADABLE', `cannot write the recording ${path}: ${(error as Error).message}`, {
        cause: error,
        hint: 'Give --record a file in a folder that exists and this user can write to.',
      })
    }
  }

  write(event: RecordingEvent): void {
    if (this.#fd === undefined) return
    const line = `${JSON.stringify(event)}\n`
    if (this.#isGzip) writeSync(this.#fd, gzipSync(line))
    else writeSync(this.#fd, line)
    this.#hasWritten = true
  }

  close(): void {
    if (this.#fd === undefined) return
    closeSync(this.#fd)
    this.#fd = undefined
    // An empty file left by a run that never connected would later read as a log of 0 lines.
    if (this.#isNew && !this.#hasWritten) rmSync(this.path, { force: true })
  }
}
