// No input gives a stack trace: every DSN, recording and JSON-lines pool log,
// however malformed (fields of the wrong type, out of range, missing), ends
// in a result, a counted skip, or a PgleakError with its one-line message and
// the contract's exit code. fast-check generates them; a failure prints the
// smallest input that breaks it.
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { analyzePoolLogs } from '../../src/analyze-logs.js'
import { analyzeRecording } from '../../src/analyze-recording.js'
import { exitCodeFor, PgleakError } from '../../src/errors.js'
import { resolveConnectionTarget } from '../../src/sources/pg/connection-target.js'
import { BACKEND_COLUMNS, RECORDING_FORMAT } from '../../src/sources/recording/recording-format.js'

const work = await mkdtemp(join(tmpdir(), 'pgleak-fuzz-'))
let fileNumber = 0

/** Runs `attempt`; anything thrown must be a PgleakError with a one-line message and a contract exit code. */
async function expectNoCrash(attempt: () => unknown): Promise<void> {
  try {
    await attempt()
  } catch (error) {
    if (!(error instanceof PgleakError)) throw error
    expect(error.message).not.toContain('\n')
    expect([2, 3]).toContain(exitCodeFor(error))
  }
}

/** Any JSON value, with the kinds that break code that trusts a field: huge and odd numbers, nested, null. */
const anyValue = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1e20, -1e20, Number.MAX_SAFE_INTEGER, 0.5, '', 'x', '1', '2026-11-29 10:00:00', [], {}),
  fc.double({ noNaN: true }),
  fc.string({ maxLength: 20 }),
  fc.array(fc.oneof(fc.integer(), fc.string({ maxLength: 5 }), fc.constant(null)), { maxLength: 3 }),
)

const DSN_PIECES = ['postgres://', 'postgresql://', 'u', ':', '@', 'h', '/', 'd', '?', '&', '=', '%', '%zz', '%41', '[', ']', '::1', ' ', "'", '\\', 'host=', 'port=', 'sslmode=', 'dbname=', 'user=', 'password=', 'x', '5432', '99999', '-1', 'verify-full', 'bogus']
const dsn = fc.array(fc.constantFrom(...DSN_PIECES), { maxLength: 12 }).map((pieces) => pieces.join(''))

describe('no stack trace from any input', () => {
  it('DSNs: a target or a one-line error, from --dsn and from DATABASE_URL', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(dsn, fc.string({ maxLength: 40 })), async (text) => {
        await expectNoCrash(() => resolveConnectionTarget(text, {}))
        await expectNoCrash(() => resolveConnectionTarget(undefined, { DATABASE_URL: text }))
      }),
      { numRuns: 600 },
    )
  })

  it('recordings: every line of every kind with fields of the wrong type or out of range', { timeout: 120_000 }, async () => {
    const header = { type: RECORDING_FORMAT, version: 1, pgleakVersion: '0.1.0', startedAt: '2026-11-29T10:00:00Z', target: 't', intervalMillis: 1000, groupBy: ['app'], ignore: [], thresholds: {}, columns: BACKEND_COLUMNS }
    const settings = { type: 'settings', settings: { version: '18.4', versionNum: 180004, maxConnections: 100, superuserReservedConnections: 3, reservedConnections: 0, idleInTransactionSessionTimeoutMillis: 0, idleSessionTimeoutMillis: 0, tcpKeepalivesIdleSeconds: 0, roleConnectionLimits: {}, databaseConnectionLimits: {}, currentUser: 'postgres', isSuperuser: true, canReadAllStats: true } }
    const row = fc.array(anyValue, { minLength: 0, maxLength: BACKEND_COLUMNS.length + 2 })
    const line = fc.oneof(
      fc.record({ type: fc.constant('snapshot'), at: fc.oneof(fc.integer({ min: 1.7e12, max: 1.8e12 }), anyValue), sessions: anyValue, backends: fc.oneof(fc.array(row, { maxLength: 4 }), anyValue) }),
      fc.record({ type: fc.constant('gap'), from: anyValue, to: anyValue, reason: anyValue }),
      fc.record({ type: fc.constant('settings'), settings: fc.oneof(anyValue, fc.constant(settings.settings)) }),
      fc.record({ type: fc.constant('pool-events'), poolNow: anyValue, events: fc.array(fc.dictionary(fc.constantFrom('type', 'source', 'atMillis', 'line', 'pool', 'connection', 'thread', 'stack'), anyValue), { maxLength: 3 }) }),
      fc.record({ type: fc.constant('pooler'), snapshot: fc.oneof(anyValue, fc.record({ pooler: fc.string(), sampledAtMillis: fc.integer({ min: 1.7e12, max: 1.8e12 }), clients: fc.array(fc.dictionary(fc.string({ maxLength: 8 }), anyValue), { maxLength: 2 }), pools: anyValue, servers: anyValue, databases: anyValue, config: anyValue })) }),
    )
    await fc.assert(
      fc.asyncProperty(fc.array(line, { maxLength: 8 }), async (lines) => {
        const path = join(work, `recording-${fileNumber++}.ndjson`)
        await writeFile(path, [header, settings, ...lines].map((l) => JSON.stringify(l)).join('\n') + '\n')
        await expectNoCrash(() => analyzeRecording(path))
      }),
      { numRuns: 300 },
    )
  })

  it("JSON-lines pool logs: every field of pgleak's schema of the wrong type or out of range", { timeout: 120_000 }, async () => {
    const event = fc.record(
      {
        time: fc.oneof(fc.integer({ min: 1.7e12, max: 1.8e12 }), anyValue),
        event: fc.oneof(fc.constantFrom('connect', 'checkout', 'checkin', 'close', 'dispose', 'pool-timeout', 'too-many-clients', 'stats', 'gc-leak', 'leak-warning', 'unleaked', 'acquire', 'release'), anyValue),
        pool: fc.oneof(fc.constantFrom('p', 'q'), anyValue),
        connection: fc.oneof(fc.constantFrom('a', 'b', 'c'), anyValue),
        pid: anyValue,
        process: anyValue,
        thread: anyValue,
        stack: anyValue,
        size: anyValue,
        overflow: anyValue,
        timeout: anyValue,
        total: anyValue,
        idle: anyValue,
        waiting: anyValue,
        message: anyValue,
        library: anyValue,
      },
      { requiredKeys: [] },
    )
    await fc.assert(
      fc.asyncProperty(fc.array(event, { maxLength: 20 }), fc.option(fc.integer({ min: 4, max: 200 })), async (events, maxConnections) => {
        const path = join(work, `pool-${fileNumber++}.jsonl`)
        await writeFile(path, events.map((e) => JSON.stringify(e)).join('\n') + '\n')
        await expectNoCrash(() => analyzePoolLogs([path], { format: 'pgleak', ...(maxConnections !== null ? { maxConnections } : {}) }))
      }),
      { numRuns: 300 },
    )
  })
})
