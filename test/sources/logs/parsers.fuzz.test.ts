// Property-based fuzzing of the log reading path (splitter, format
// detection, every parser): random bytes, invalid UTF-8, CRLF, NUL, lines of
// megabytes, truncated last lines, formats interleaved. No crash, no hang,
// skipped lines counted, and the same events however the input is cut.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { LOG_FORMATS } from '../../../src/sources/logs/log-formats.js'
import { fixtureText, linesOf, readInChunks } from './formats/feed-lines.js'

const FIXTURES = [
  'sqlalchemy/f5-scoped-session-never-removed.log',
  'sqlalchemy/f5-no-timestamps.log',
  'postgres/default-prefix.log',
  'postgres/collector.csv',
  'postgres/collector.json',
  'hikaricp/hikaricp-5.1.0-slf4j-simple.log',
  'sqlalchemy-leaks/scoped-session-never-removed.jsonl',
  'sqlalchemy-layouts/b-thread-name.log',
  'psycopg-pool/healthy-threadname.log',
]
const realLines = FIXTURES.flatMap((path) => linesOf(fixtureText(path)).slice(0, 60))

/** A piece of input: a real line of some format, garbage bytes, a control-character soup, or a huge line. */
const piece = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...realLines).map((line) => Buffer.from(`${line}\n`)) },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)) },
  { weight: 2, arbitrary: fc.string({ unit: fc.constantFrom('a', '{', '"', ':', ',', '\r', '\n', '\u0000', '\t', '[', 'é', '\\', ' ') , maxLength: 80 }).map((s) => Buffer.from(s)) },
  { weight: 1, arbitrary: fc.constantFrom(Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0x0a]), Buffer.from('\r\n\r\n')) },
  { weight: 1, arbitrary: fc.integer({ min: 60_000, max: 200_000 }).map((n) => Buffer.from(`${'x'.repeat(n)}\n`)) },
)
const input = fc.array(piece, { maxLength: 40 }).map((pieces) => Buffer.concat(pieces))
const formatName = fc.constantFrom(undefined, ...LOG_FORMATS.map((format) => format.name))

const read = readInChunks

describe('log reading under fuzzing', () => {
  it('never throws, always ends, and counts what it skips', { timeout: 120_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(input, formatName, async (data, format) => {
        const { summary } = await read(data, [data.length], format)
        expect(summary.skipped.count).toBeGreaterThanOrEqual(summary.skipped.binary + summary.skipped.overLong)
        expect(summary.lines).toBeLessThanOrEqual(data.filter((byte) => byte === 10).length + 1)
      }),
      { numRuns: 150 },
    )
  })

  it('gives the same events and counts however the input is cut into chunks', { timeout: 120_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(input, formatName, fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 8 }), async (data, format, sizes) => {
        const whole = await read(data, [data.length], format)
        const cut = await read(data, sizes, format)
        expect(cut.events).toEqual(whole.events)
        expect(cut.summary).toEqual(whole.summary)
      }),
      { numRuns: 100 },
    )
  })
})
