import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { PgleakError } from '../../src/errors.js'
import { parseListenAddress } from '../../src/serve/http-endpoints.js'
import { targetsFromDsns, targetsFromFile } from '../../src/serve/serve-targets.js'

async function fileWith(content: unknown): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'pgleak-targets-')), 'targets.json')
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content))
  return path
}

function usageError(run: () => unknown): string {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(PgleakError)
    expect((error as PgleakError).code).toBe('USAGE')
    return (error as PgleakError).message
  }
  throw new Error('no error')
}

describe('the targets serve watches', () => {
  it('names --dsn targets by host, port and database, never with the user or password', () => {
    const [target] = targetsFromDsns(['postgres://app:secret@db.internal:6432/shop'], {})
    expect(target!.name).toBe('db.internal:6432/shop')
    expect(JSON.stringify(target!.name)).not.toContain('secret')
  })

  it('reads a targets file: names, labels, and DSNs from the environment so secrets stay out of the file', async () => {
    const path = await fileWith([
      { name: 'orders', dsn: 'postgres://pgleak@orders-db/orders', labels: { env: 'prod', team: 'payments' } },
      { dsnEnv: 'BILLING_DSN', pgbouncer: 'postgres://pgleak@billing-pgbouncer:6432/pgbouncer' },
    ])
    const targets = targetsFromFile(path, { BILLING_DSN: 'postgres://pgleak:s3cret@billing-db:5433/billing' })
    expect(targets.map((t) => [t.name, t.labels])).toEqual([
      ['orders', { env: 'prod', team: 'payments' }],
      ['billing-db:5433/billing', {}],
    ])
    expect(targets[1]!.connection.config.password).toBe('s3cret')
    expect(targets[1]!.poolers.map((p) => p.description)).toEqual(['pgleak@billing-pgbouncer:6432/pgbouncer'])
    expect(targets[0]!.poolers).toEqual([])
  })

  it('refuses what would make bad series or an ambiguous target, each in one line saying what to fix', async () => {
    const env = {}
    expect(usageError(() => targetsFromFile('/nonexistent/targets.json', env))).toMatch(/cannot read the targets file .*no such file/)
    expect(usageError(() => targetsFromFile(join(tmpdir()), env))).toMatch(/it is a folder/)
    const notJson = await fileWith('{oops')
    expect(usageError(() => targetsFromFile(notJson, env))).toMatch(/is not JSON/)
    expect(usageError(() => targetsFromFile(notJson.replace('targets.json', 'x'), env))).toMatch(/no such file/)
    const cases: Array<[unknown, RegExp]> = [
      [[], /must hold a list of targets/],
      [[{ name: 'a' }], /neither "dsn" nor "dsnEnv"/],
      [[{ dsnEnv: 'MISSING' }], /MISSING is not set/],
      [[{ dsn: 'postgres://a@h/db', labels: { '1bad': 'x' } }], /'1bad' is not a Prometheus label name/],
      [[{ dsn: 'postgres://a@h/db', labels: { target: 'x' } }], /the label 'target' is pgleak's own/],
      [[{ dsn: 'postgres://a@h/db', labels: { env: 3 } }], /must be a string/],
      [[{ dsn: 'postgres://a@h/db', pgbouncer: 6432 }], /"pgbouncer" must be the URL of a PgBouncer admin console/],
      [[{ dsn: 'postgres://a@h/db' }, { dsn: 'postgres://b@h/db' }], /two targets are named 'h:5432\/db'|two targets are named 'h\/db'/],
    ]
    for (const [content, message] of cases) {
      const path = await fileWith(content)
      expect(usageError(() => targetsFromFile(path, env))).toMatch(message)
    }
  })

  it('reads listen addresses as Prometheus exporters write them', () => {
    expect(parseListenAddress('127.0.0.1:9187')).toEqual({ host: '127.0.0.1', port: 9187 })
    expect(parseListenAddress(':9187')).toEqual({ host: '0.0.0.0', port: 9187 })
    expect(parseListenAddress('[::1]:9187')).toEqual({ host: '::1', port: 9187 })
    expect(usageError(() => parseListenAddress('9187'))).toMatch(/not an address to listen on/)
    expect(usageError(() => parseListenAddress('host:99999'))).toMatch(/not an address/)
  })
})
