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
  })
})
