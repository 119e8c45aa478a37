import { readFile, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import type { PoolEvent } from '../../../src/core/pool-event.js'
import { readPoolLog } from '../../../src/sources/logs/read-pool-log.js'
import { readInChunks } from './formats/feed-lines.js'
import { PgleakError } from '../../../src/errors.js'

const sqlalchemyLog = fileURLToPath(new URL('../../fixtures/pool-logs/sqlalchemy/f5-scoped-session-never-removed.log', import.meta.url))

const eventsFromChunks = async (data: Buffer, chunkSizes: readonly number[]): Promise<PoolEvent[]> => (await readInChunks(data, chunkSizes)).events

describe('readPoolLog', () => {
  it('gives the same events for the file whole, line by line, and cut at arbitrary boundaries', async () => {
    const data = await readFile(sqlalchemyLog)
    const whole = await eventsFromChunks(data, [data.length])
    expect(whole.length).toBeGreaterThan(30)
    const lineLengths = data
      .toString('utf8')
      .split('\n')
      .map((line) => Buffer.byteLength(line) + 1)
    expect(await eventsFromChunks(data, lineLengths)).toEqual(whole)
    for (const sizes of [[1], [3, 17, 250], [4096], [65_537]]) expect(await eventsFromChunks(data, sizes)).toEqual(whole)
  })

  it('reads gzip by its magic bytes, whatever the file is called', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgleak-log-'))
    const zipped = join(dir, 'pool.log')
    await writeFile(zipped, gzipSync(await readFile(sqlalchemyLog)))
    const events: PoolEvent[] = []
    const summary = await readPoolLog(zipped, { onEvent: (event) => events.push(event) })
    expect(summary).toMatchObject({ format: 'sqlalchemy', lines: 255 })
    expect(events.filter((e) => e.type === 'pool-timeout')).toHaveLength(5)
  })

  it('counts malformed, binary and over-long lines and goes on', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgleak-log-'))
    const file = join(dir, 'events.jsonl')
    const good = '{"time":1700000000000,"event":"checkout","pool":"p","connection":"1"}'
    await writeFile(file, [good, 'not json', `{"broken": `, 'bin\u0000ary', 'x'.repeat(70_000), good.replace('checkout', 'checkin')].join('\n'))
    const events: PoolEvent[] = []
    const summary = await readPoolLog(file, { onEvent: (event) => events.push(event) })
    expect(summary.format).toBe('pgleak')
    expect(events.map((e) => e.type)).toEqual(['checkout', 'checkin'])
    expect(summary.skipped).toMatchObject({ count: 4, binary: 1, overLong: 1, firstLineNumbers: [2, 3, 4, 5] })
  })

  it('recognises pool-exhaustion texts in any application log', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgleak-log-'))
    const file = join(dir, 'app.log')
    await writeFile(file, ['GET /orders 200 12ms', 'Error: timeout exceeded when trying to connect', '    at Timeout._onTimeout (node_modules/pg-pool/index.js:224:27)', 'GET /orders 500 10003ms'].join('\n'))
    const events: PoolEvent[] = []
    const summary = await readPoolLog(file, { onEvent: (event) => events.push(event) })
    expect(summary.format).toBe('application')
    expect(events).toMatchObject([{ type: 'pool-timeout', source: 'application', line: 2 }])
  })

  it('says which file it cannot read, as a usage error', async () => {
    await expect(readPoolLog('/nonexistent/pool.log', { onEvent: () => {} })).rejects.toThrow(PgleakError)
    await expect(readPoolLog('/nonexistent/pool.log', { onEvent: () => {} })).rejects.toThrow(/cannot read \/nonexistent\/pool\.log: no such file/)
    const dir = await mkdtemp(join(tmpdir(), 'pgleak-log-'))
    await expect(readPoolLog(dir, { onEvent: () => {} })).rejects.toThrow(new RegExp(`cannot read .*: not a file`))
  })

  it('reads an empty file, and a one-byte file that starts like gzip, as the little they are', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgleak-log-'))
    await writeFile(join(dir, 'empty.log'), '')
    await writeFile(join(dir, 'one.log'), Buffer.from([0x1f]))
    expect(await readPoolLog(join(dir, 'empty.log'), { onEvent: () => {} })).toMatchObject({ lines: 0, events: 0 })
    expect(await readPoolLog(join(dir, 'one.log'), { onEvent: () => {} })).toMatchObject({ lines: 1, events: 0 })
  })

  describe('a log of many read buffers (a file is read ahead into two alternating buffers)', () => {
    // About 5 MB: five buffers and more, with lines cut at every buffer's end.
    const log = Buffer.from(serverLog(40_000))
    const inMemory = readInChunks(log, 64 * 1024)

    it('gives from the file exactly what the same bytes give in memory', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'pgleak-log-'))
      const file = join(dir, 'postgresql.log')
      await writeFile(file, log)
      const events: PoolEvent[] = []
      const progress: number[] = []
      const summary = await readPoolLog(file, { onEvent: (event) => events.push(event), onProgress: (read, total) => progress.push(read / total!) })
      const expected = await inMemory
      expect(summary.lines).toBe(160_000)
      expect(events).toHaveLength(80_000)
      expect(events).toEqual(expected.events)
      expect(progress.length).toBeGreaterThan(4)
      expect(progress.at(-1)).toBe(1)
    })

    it('reads it gzipped, from a file or from stdin', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'pgleak-log-'))
      const file = join(dir, 'postgresql.log.gz')
      // Stored, not compressed: the compressed file itself spans several buffers.
      const zipped = gzipSync(log, { level: 0 })
      await writeFile(file, zipped)
      const expected = (await inMemory).events
      const fromFile: PoolEvent[] = []
      await readPoolLog(file, { onEvent: (event) => fromFile.push(event) })
      expect(fromFile).toEqual(expected)
      expect((await readInChunks(zipped, 100_000)).events).toEqual(expected)
    })
  })
})

/** A server log of `sessions` sessions, each authorized and ended, with pids and names that differ from line to line. */
function serverLog(sessions: number): string {
  const lines: string[] = []
  for (let i = 0; i < sessions; i++) {
    const time = new Date(Date.UTC(2026, 10, 21, 6) + i * 37).toISOString().replace('T', ' ').replace('Z', ' UTC')
    const pid = 1000 + (i % 30_000)
    lines.push(`${time} [${pid}] LOG:  connection authorized: user=u${i % 7} database=db application_name=app-${i % 11}`)
    lines.push(`${time} [${pid}] LOG:  disconnection: session time: 0:00:00.${String(i % 1000).padStart(3, '0')} user=u${i % 7} database=db host=10.0.0.${i % 250} port=${40_000 + (i % 20_000)}`)
    lines.push(`${time} [${pid}] LOG:  duration: 0.${i % 1000} ms  statement: SELECT ${i}`)
    lines.push(`\tDETAIL: line ${i} goes on`)
  }
  return `${lines.join('\n')}\n`
}
