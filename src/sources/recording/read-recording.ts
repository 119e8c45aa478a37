// Reads a recording back as events. Lines that are not recording events (a
// truncated last line, a stray line, a field of the wrong type: see
// recording-lines.ts) are counted and skipped, never fatal.
import { createReadStream } from 'node:fs'
import { constants, createGunzip, gunzipSync } from 'node:zlib'
import { open } from 'node:fs/promises'
import { createInterface } from 'node:readline'
import { PgleakError } from '../../errors.js'
import { RECORDING_FORMAT } from './recording-format.js'
import { recordingEventOf, type ReplayEvent } from './recording-lines.js'

export interface SkippedLines {
  count: number
  readonly firstLineNumbers: number[]
}

/** Streams the events of a recording file; `skipped` is filled in as it goes. */
export async function* readRecording(path: string, skipped: SkippedLines): AsyncGenerator<ReplayEvent> {
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
  const input = (await startsWithGzipMagic(path)) ? stream.pipe(createGunzip()) : stream
  // A gzip recording cut short (pgleak killed mid-write) ends in a half member: the lines before it stand.
  let isCut = false
  if (input !== stream) {
    stream.on('error', (error) => input.destroy(error))
    input.on('error', () => (isCut = true))
  }
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })
  let lineNumber = 0
  try {
    yield* readLines()
  } catch (error) {
    if (!isCut) throw new PgleakError('FILE_UNREADABLE', `cannot read ${path}: ${(error as Error).message}`, { cause: error })
  }
  if (isCut) {
    skipped.count++
    if (skipped.firstLineNumbers.length < 5) skipped.firstLineNumbers.push(lineNumber + 1)
  }

  async function* readLines(): AsyncGenerator<ReplayEvent> {
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
}

/** Whether the file at `path` starts like a recording (`-` and unreadable files do not): `analyze` tells recordings from logs by it. */
export async function isRecordingFile(path: string): Promise<boolean> {
  if (path === '-') return false
  const file = await open(path).catch(() => undefined)
  if (!file) return false
  try {
    const { buffer, bytesRead } = await file.read(Buffer.alloc(4096), 0, 4096, 0)
    const head = isGzip(buffer) ? gunzipSync(buffer.subarray(0, bytesRead), { finishFlush: constants.Z_SYNC_FLUSH }) : buffer.subarray(0, bytesRead)
    const firstLine = head.toString('utf8').split('\n')[0] ?? ''
    return firstLine.includes(`"type":"${RECORDING_FORMAT}"`)
  } catch {
    // A directory opens but cannot be read: it is no recording, and the log reader says what it is.
    return false
  } finally {
    await file.close()
  }
}

function isGzip(bytes: Buffer): boolean {
  return bytes[0] === 0x1f && bytes[1] === 0x8b
}

async function startsWithGzipMagic(path: string): Promise<boolean> {
  const file = await open(path).catch(() => undefined)
  if (!file) return false
  try {
    const { buffer } = await file.read(Buffer.alloc(2), 0, 2, 0)
    return isGzip(buffer)
  } finally {
    await file.close()
  }
}
