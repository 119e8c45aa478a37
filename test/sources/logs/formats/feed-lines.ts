// Feeding a log to a parser in the tests: whole lines from a fixture, or the
// same text cut into arbitrary chunks and put back into lines by a small
// splitter, as a stream would deliver it.
import { readFileSync } from 'node:fs'
import { Readable } from 'node:stream'
import type { PoolEvent } from '../../../../src/core/pool-event.js'
import type { LogFormat } from '../../../../src/sources/logs/log-format.js'
import { readPoolLog, type PoolLogSummary } from '../../../../src/sources/logs/read-pool-log.js'

export function fixtureText(path: string): string {
  return readFileSync(new URL(`../../../fixtures/pool-logs/${path}`, import.meta.url), 'utf8')
}

export function linesOf(text: string): string[] {
  const lines = text.split('\n')
  if (lines.at(-1) === '') lines.pop()
  return lines
}

export interface Parsed {
  readonly events: PoolEvent[]
  /** Line numbers the parser could not read. */
  readonly skipped: number[]
}

/** Runs a fresh parser over lines numbered from 1, then its finish(). */
export function parseLines(format: LogFormat, lines: Iterable<string>): Parsed {
  const parser = format.create()
  const events: PoolEvent[] = []
  const skipped: number[] = []
  let lineNumber = 0
  for (const line of lines) {
    const parsed = parser.parseLine(line, ++lineNumber)
    if (parsed === undefined) skipped.push(lineNumber)
    else events.push(...parsed)
  }
  events.push(...(parser.finish?.() ?? []))
  return { events, skipped }
}

/** The text cut into chunks of varying sizes (a fixed sequence, so failures repeat), then joined into lines again. */
function* rechunkedLines(text: string, seed: number): Generator<string> {
  let state = seed
  let pending = ''
  for (let at = 0; at < text.length; ) {
    state = (state * 1103515245 + 12345) % 2 ** 31
    const size = 1 + (state % 97)
    pending += text.slice(at, at + size)
    at += size
    let newline = pending.indexOf('\n')
    while (newline !== -1) {
      yield pending.slice(0, newline)
      pending = pending.slice(newline + 1)
      newline = pending.indexOf('\n')
    }
  }
  if (pending !== '') yield pending
}

export function parseInChunks(format: LogFormat, text: string, seed: number): Parsed {
  return parseLines(format, rechunkedLines(text, seed))
}

/** How many events of a type each application (or pool) has. */
export function countBy(events: readonly PoolEvent[], type: PoolEvent['type'], key: (event: PoolEvent) => string | undefined): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const event of events) {
    if (event.type !== type) continue
    const name = key(event) ?? '(none)'
    counts[name] = (counts[name] ?? 0) + 1
  }
  return counts
}

/**
 * What `readPoolLog` gives for the data streamed in chunks of the sizes given, in turn (lines reach
 * a parser as bytes); the format is detected unless named.
 */
export async function readInChunks(data: Buffer, chunkSizes: number | readonly number[], format?: string): Promise<{ events: PoolEvent[]; summary: PoolLogSummary }> {
  const sizes = typeof chunkSizes === 'number' ? [chunkSizes] : chunkSizes
  const chunks: Buffer[] = []
  for (let at = 0, i = 0; at < data.length; i++) {
    const size = Math.max(1, sizes[i % sizes.length] ?? data.length)
    chunks.push(data.subarray(at, at + size))
    at += size
  }
  const events: PoolEvent[] = []
  const summary = await readPoolLog('-', { stdin: Readable.from(chunks), ...(format !== undefined ? { format } : {}), onEvent: (event) => events.push(event) })
  return { events, summary }
}

/** The events of a log's text, streamed in chunks of `chunkBytes` as the given format. */
export async function streamedEvents(format: string, text: string, chunkBytes: number): Promise<PoolEvent[]> {
  return (await readInChunks(Buffer.from(text), chunkBytes, format)).events
}
