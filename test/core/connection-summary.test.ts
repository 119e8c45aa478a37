import { describe, expect, it } from 'vitest'
import { summarizeConnections } from '../../src/core/connection-summary.js'
import { backend, backgroundProcess, hiddenBackend, idleInTransaction, settings, snapshot, NOW } from '../support/builders.js'

describe('summarizeConnections', () => {
  it('groups by any combination of app, user, db and client, biggest group first', () => {
    const backends = [
      backend({ application: 'api', user: 'app' }),
      backend({ application: 'api', user: 'app', state: 'active' }),
      backend({ application: 'api', user: 'admin' }),
      idleInTransaction({ application: 'worker', user: 'app', idleSeconds: 10 }),
    ]
    const summary = summarizeConnections(snapshot(backends), settings(), ['app', 'user'], [])
    expect(summary.groups.map((g) => [g.key, g.total, g.active, g.idle, g.idleInTransaction])).toEqual([
      [{ app: 'api', user: 'app' }, 2, 1, 1, 0],
      [{ app: 'api', user: 'admin' }, 1, 0, 1, 0],
      [{ app: 'worker', user: 'app' }, 1, 0, 0, 1],
    ])
    const byClient = summarizeConnections(snapshot(backends), settings(), ['client'], [])
    expect(byClient.groups).toHaveLength(1)
    expect(byClient.groups[0]?.key).toEqual({ client: '10.0.0.7' })
  })

  it('gives each group its oldest transaction and oldest connection', () => {
    const backends = [
      backend({ application: 'api', ageSeconds: 3600 }),
      idleInTransaction({ application: 'api', idleSeconds: 120, xactStartMillis: NOW - 130_000, ageSeconds: 200 }),
    ]
    const [group] = summarizeConnections(snapshot(backends), settings(), ['app'], []).groups
    expect(group).toMatchObject({ oldestTransactionSeconds: 130, oldestConnectionSeconds: 3600 })
  })

  it('keeps background processes and walsenders out of the client count, and shows them apart', () => {
    const summary = summarizeConnections(
      snapshot([backend(), backgroundProcess('checkpointer'), backgroundProcess('autovacuum launcher'), backgroundProcess('walsender')]),
      settings(),
      ['app'],
      [],
    )
    expect(summary).toMatchObject({ clientConnections: 1, walsenders: 1, backgroundByType: { checkpointer: 1, 'autovacuum launcher': 1 } })
  })

  it('counts hidden rows of other roles as clients, in an "other" column of their group', () => {
    const summary = summarizeConnections(snapshot([hiddenBackend({ application: 'reporting' }), hiddenBackend({ user: null, database: null, application: '' })]), settings(), ['app'], [])
    expect(summary).toMatchObject({ clientConnections: 1, hiddenClientConnections: 1, hiddenOtherBackends: 1 })
    expect(summary.groups[0]).toMatchObject({ key: { app: 'reporting' }, total: 1, other: 1 })
  })

  it('shows role and database limits that have sessions', () => {
    const summary = summarizeConnections(
      snapshot([backend({ user: 'reporting' }), backend({ database: 'tenant' })]),
      settings({ roleConnectionLimits: { reporting: 5, unused: 3 }, databaseConnectionLimits: { tenant: 10 } }),
      ['app'],
      [],
    )
    expect(summary.limits).toEqual([
      { scope: 'role', name: 'reporting', connections: 1, limit: 5 },
      { scope: 'database', name: 'tenant', connections: 1, limit: 10 },
    ])
  })
})
