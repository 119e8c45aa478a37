// Appends events to a recording, one synchronous write per line: when
// pgleak is killed, every line already written is whole.
import { closeSync, openSync, writeSync } from 'node:fs'
import { PgleakError } from '../../errors.js'
import type { RecordingEvent } from './recording-format.js'

export class RecordingWriter {
  readonly path: string
  #fd: number | undefined

  private constructor(path: string, fd: number) {
    this.path = path
    this.#fd = fd
  }

  static open(path: string): RecordingWriter {
    try {
      return new RecordingWriter(path, openSync(path, 'a'))
    } catch (error) {
      throw new PgleakError('FILE_UNREADABLE', `cannot write the recording ${path}: ${(error as Error).message}`, { cause: error })
    }
  }

  write(event: RecordingEvent): void {
    if (this.#fd === undefined) return
    writeSync(this.#fd, `${JSON.stringify(event)}\n`)
  }

  close(): void {
    if (this.#fd === undefined) return
    closeSync(this.#fd)
    this.#fd = undefined
  }
}
