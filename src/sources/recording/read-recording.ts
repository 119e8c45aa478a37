// Reads a recording back as events. Lines that are not recording events (a
// truncated last line, a stray line) are counted and skipped, never fatal.
import { createReadStream } from 'node:fs'
import { open } from 'node:fs/promises'
import { createInterface } from 'node:readline'
import { PgleakError } from '../../errors.js'
import { RECORDING_FORMAT, type RecordingEvent } from './recording-format.js'

export interface SkippedLines {
  count: number
  readonly firstLineNumbers: number[]
}

/** Epoch milliseconds a Date can hold (±8.64e15): anything else would fail the first time it is printed. */
function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && Math.abs(value) <= 8.64e15
}

/** The settings a replay judges by: every figure a number and every limit table an object, or the line is skipped. */
function isSettings(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false
  const settings = value as Record<string, unknown>
  const numbers = ['versionNum', 'maxConnections', 'superuserReservedConnections', 'reservedConnections', 'idleInTransactionSessionTimeoutMillis', 'tcpKeepalivesIdleSeconds']
  const tables = ['roleConnectionLimits', 'databaseConnectionLimits']
  return numbers.every((key) => typeof settings[key] === 'number' && Number.isFinite(settings[key])) && tables.every((key) => typeof settings[key] === 'object' && settings[key] !== null)
}

function isRecordingEvent(value: unknown): value is RecordingEvent {
  if (typeof value !== 'object' || value === null) return false
  const type = (value as { type?: unknown }).type
  if (type === 'snapshot') return Array.isArray((value as { backends?: unknown }).backends) && isTime((value as { at?: unknown }).at)
  if (type === 'pooler') {
    const snapshot = (value as { snapshot?: { pooler?: unknown; sampledAtMillis?: unknown; clients?: unknown } }).snapshot
    return typeof snapshot?.pooler === 'string' && isTime(snapshot.sampledAtMillis) && Array.isArray(snapshot.clients)
  }
  if (type === 'pool-events') return Array.isArray((value as { events?: unknown }).events) && isTime((value as { poolNow?: unknown }).poolNow)
  if (type === 'gap') return isTime((value as { from?: unknown }).from) && isTime((value as { to?: unknown }).to)
  if (type === 'settings') return isSettings((value as { settings?: unknown }).settings)
  return type === RECORDING_FORMAT
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
    if (isRecordingEvent(parsed)) {
      yield parsed
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
