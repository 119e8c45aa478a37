// serve's own inputs: a targets file with anything in it and any --listen
// value give targets or one error of pgleak's, in one line, never another exception.
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { PgleakError } from '../../src/errors.js'
import { parseListenAddress } from '../../src/serve/http-endpoints.js'
import { targetsFromFile } from '../../src/serve/serve-targets.js'

function expectTargetsOrUsage(run: () => unknown): void {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(PgleakError)
    // A bad DSN in the file is the contract's bad-DSN error (exit 3); the rest are usage errors (exit 2).
    expect(['USAGE', 'BAD_DSN']).toContain((error as PgleakError).code)
    expect((error as PgleakError).message).not.toContain('\n')
  }
}

const entry = fc.record(
  {
    name: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
    dsn: fc.oneof(fc.constantFrom('postgres://a@h/db', 'postgres://a:%zz@h/db', 'host=h dbname=d', ''), fc.string(), fc.integer()),
    dsnEnv: fc.oneof(fc.constantFrom('SET_DSN', 'UNSET_DSN'), fc.integer()),
    labels: fc.oneof(fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.string(), fc.integer())), fc.array(fc.string()), fc.string()),
    pgbouncer: fc.oneof(fc.constant('postgres://pgleak@b:6432/pgbouncer'), fc.array(fc.oneof(fc.string(), fc.integer())), fc.integer()),
  },
  { requiredKeys: [] },
)

describe('serve inputs', () => {
  it('a targets file holding anything: targets or one usage error', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'pgleak-targets-fuzz-')), 'targets.json')
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.array(entry, { maxLength: 4 }), fc.anything()), async (content) => {
        await writeFile(path, JSON.stringify(content) ?? 'undefined')
        expectTargetsOrUsage(() => targetsFromFile(path, { SET_DSN: 'postgres://x@y/z' }))
      }),
      { numRuns: 300 },
    )
  })

  it('any --listen value: an address or one usage error', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.tuple(fc.string({ maxLength: 12 }), fc.integer({ min: -10, max: 100_000 })).map(([host, port]) => `${host}:${port}`)), (value) => {
        expectTargetsOrUsage(() => {
          const address = parseListenAddress(value)
          expect(address.port).toBeGreaterThanOrEqual(0)
          expect(address.port).toBeLessThanOrEqual(65535)
        })
      }),
      { numRuns: 500 },
    )
  })
})
