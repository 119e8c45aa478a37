// Reads a recording back as events. Lines that are not recording events (a
// truncated last line, a stray line, a field of the wrong type: see
// recording-lines.ts) are counted and skipped, never fatal.
import { createReadStream } from 'node:fs'
import { open } from 'node:fs/promises'
import { createInterface } from 'node:readline'
import { PgleakError } from '../../errors.js'
import { RECORDING_FORMAT, type RecordingEvent } from './recording-format.js'
import { recordingEventOf } from './recording-lines.js'

export interface SkippedLines {
  count: number
  readonly firstLineNumbers: number[]
}

/** Streams the events of a recording file; `skipped` is filled in as it goes. */
export async function* readRecording(path: string, skipped: SkippedLines): AsyncGenerator<RecordingEvent> {
  const stream = createReadStream(path)
  const opened = new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve())
    stream.once('error', reject)
  })
  try {
    await opened
  } catch (error) {
    throw new PgleakError('FILE_UNREADABLE', `cannot read ${path}: ${(error as Error).message}`, { cause: error })
  }
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY })
  let lineNumber = 0
  for await (const line of lines) {
    lineNumber++
    if (line.trim() === '') continue
    let parsed: unknown
    try {
      parsed = JSON.parse(line)
    } catch {
      parsed = undefined
    }
    const event = recordingEventOf(parsed)
    if (event) {
      yield event
    } else {
      skipped.count++
      if (skipped.firstLineNumbers.length < 5) skipped.firstLineNumbers.push(lineNumber)
    }
  }
}

/** Whether the file at `path` starts like a recording (`-` and unreadable files do not): `analyze` tells recordings from logs by it. */
export async function isRecordingFile(path: string): Promise<boolean> {
  if (path === '-') return false
  const file = await open(path).catch(() => undefined)
  if (!file) return false
  try {
    const { buffer, bytesRead } = await file.read(Buffer.alloc(4096), 0, 4096, 0)
    const firstLine = buffer.toString('utf8', 0, bytesRead).split('\n')[0] ?? ''
    return firstLine.includes(`"type":"${RECORDING_FORMAT}"`)
  } catch {
    // A directory opens but cannot be read: it is no recording, and the log reader says what it is.
    return false
  } finally {
    await file.close()
  }
}
