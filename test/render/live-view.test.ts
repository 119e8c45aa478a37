// The live view's group rows count what the timeline's groups count.
import { stripVTControlCharacters } from 'node:util'
import { describe, expect, it } from 'vitest'
import { serverInfo } from '../../src/core/audit-report.js'
import { parseIgnoreRule, type IgnoreRule } from '../../src/core/ignore-rule.js'
import { LeakMonitor } from '../../src/core/leak-monitor.js'
import { DEFAULT_THRESHOLDS } from '../../src/core/thresholds.js'
import { createPalette } from '../../src/render/colors.js'
import { renderLiveFrame } from '../../src/render/live-view.js'
import { backend, idleInTransaction, settings, snapshot } from '../support/builders.js'

describe('the live view', () => {
  it('leaves ignored sessions out of their group row, and counts them against the server', () => {
    const ignore = [parseIgnoreRule('user=backup') as IgnoreRule]
    const monitor = new LeakMonitor(settings(), { groupBy: ['app'], ignore, thresholds: DEFAULT_THRESHOLDS })
    monitor.ingest(
      snapshot([
        backend({ pid: 1, application: 'api', user: 'app', state: 'idle' }),
        idleInTransaction({ pid: 2, application: 'api', user: 'app', idleSeconds: 5 }),
        backend({ pid: 3, application: 'api', user: 'backup', state: 'active' }),
      ]),
    )
    const state = { server: serverInfo(settings(), 'test'), monitor, intervalMillis: 1000, status: '', isPaused: false }
    const frame = renderLiveFrame(createPalette({ isColor: false }), state, monitor.active(), { columns: 160, rows: 30 }).map((line) => stripVTControlCharacters(line))
    const apiRow = frame.find((line) => line.startsWith('api '))
    expect(apiRow?.split(/\s+/).slice(0, 5)).toEqual(['api', '2', '0', '1', '1'])
    expect(frame[1]).toMatch(/ 3\/\d+ /)
  })

  it("shows each PgBouncer's pools under the server's groups: clients active and waiting, maxwait, servers", () => {
    const monitor = new LeakMonitor(settings(), { groupBy: ['app'], ignore: [], thresholds: DEFAULT_THRESHOLDS })
    const at = Date.now()
    monitor.ingestPooler({
      pooler: 'stats@pgbouncer:6432/pgbouncer',
      sampledAtMillis: at,
      version: 'PgBouncer 1.18.0',
      config: { maxClientConn: 20, defaultPoolSize: 2, reservePoolSize: 0, poolMode: 'session', maxDbConnections: 0, maxUserConnections: 0 },
      pools: [{ database: 'shop', user: 'app', clientsActive: 2, clientsWaiting: 1, serversActive: 2, serversIdle: 0, serversUsed: 0, serversLogin: 0, maxWaitSeconds: 4.2, poolMode: 'session' }],
      clients: ['billing', 'billing', 'api'].map((application, i) => ({ id: `c${i}`, link: null, database: 'shop', user: 'app', state: i < 2 ? 'active' : 'waiting', addr: '10.0.0.7', port: 4000 + i, connectMillis: at, requestMillis: at, application, remotePid: null })),
      servers: [],
      databases: [],
    })
    monitor.ingest(snapshot([backend({ pid: 1, application: 'billing', state: 'idle' })]))
    const state = { server: serverInfo(settings(), 'test'), monitor, intervalMillis: 1000, status: '', isPaused: false }
    const frame = renderLiveFrame(createPalette({ isColor: false }), state, monitor.active(), { columns: 160, rows: 30 }).map((line) => stripVTControlCharacters(line))
    const header = frame.findIndex((line) => line.startsWith('PgBouncer stats@pgbouncer:6432/pgbouncer'))
    expect(frame[header]).toBe('PgBouncer stats@pgbouncer:6432/pgbouncer  3 / 20 clients (max_client_conn), 0 server connections  clients: billing 2, api 1')
    expect(frame[header + 1]).toMatch(/^ {2}shop\/app +session +2 active, 1 waiting, maxwait 4.2s, 2 servers$/)
    expect(header).toBeGreaterThan(frame.findIndex((line) => line.startsWith('billing ')))
  })
})
