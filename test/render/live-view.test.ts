// The live view's group rows count what the timeline's groups count.
import { stripVTControlCharacters } from 'node:util'
import { describe, expect, it } from 'vitest'
import { serverInfo } from '../../src/core/audit-report.js'
import { parseIgnoreRule, type IgnoreRule } from '../../src/core/ignore-rule.js'
import { LeakMonitor } from '../../src/core/leak-monitor.js'
import { DEFAULT_THRESHOLDS } from '../../src/core/thresholds.js'
import { createPalette } from '../../src/render/colors.js'
import { navigate, START_NAVIGATION, type LiveKey } from '../../src/render/live/live-navigation.js'
import { liveRows, renderLiveFrame, type LiveViewState } from '../../src/render/live/live-view.js'
import { backend, idleInTransaction, NOW, settings, snapshot } from '../support/builders.js'
import { backendAt, leakEvery, steadyPool as simulatedPool } from '../support/simulation.js'

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
    const apiRow = frame.find((line) => line.startsWith('  api '))
    expect(apiRow?.trim().split(/\s+/).slice(0, 5)).toEqual(['api', '2', '0', '1', '1'])
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
    const header = frame.findIndex((line) => line.startsWith('PgBouncer '))
    expect(frame[header]).toBe('PgBouncer 3 / 20 clients (max_client_conn), 0 server connections · stats@pgbouncer:6432/pgbouncer · clients: billing 2, api 1')
    expect(frame[header + 1]).toMatch(/^ {2}shop\/app +2 active, 1 waiting, maxwait 4.2s, 2 servers · session$/)
    // At 80 columns the figures are whole; the names after them are what gets cut.
    const narrow = renderLiveFrame(createPalette({ isColor: false }), state, monitor.active(), { columns: 80, rows: 30 }).map((line) => stripVTControlCharacters(line))
    expect(narrow.find((line) => line.startsWith('PgBouncer '))).toMatch(/^PgBouncer 3 \/ 20 clients \(max_client_conn\), 0 server connections · stats@/)
    expect(narrow.find((line) => line.startsWith('  shop/app'))).toContain('2 active, 1 waiting, maxwait 4.2s, 2 servers')
    const billingRow = frame.findIndex((line) => line.startsWith('  billing '))
    expect(billingRow).toBeGreaterThan(0)
    expect(header).toBeGreaterThan(billingRow)
  })
})

/** Five minutes of a leak that fills the server (50 max_connections, 47 usable) beside a healthy pool, and a transaction left open. */
function leakHeldAtLimit(): { state: LiveViewState; monitor: LeakMonitor; oldestLeakPid: number } {
  const serverSettings = settings({ maxConnections: 50 })
  const monitor = new LeakMonitor(serverSettings, { groupBy: ['app'], ignore: [], thresholds: DEFAULT_THRESHOLDS })
  const leaked = leakEvery('order-service', 2, 82)
  const sessions = [...leaked, ...simulatedPool('storefront', 3, 300)]
  const forgotten = backend({ pid: 4242, application: 'billing-worker', state: 'idle in transaction', query: "UPDATE orders SET status = 'charging' WHERE id = 1" })
  for (let second = 0; second <= 300; second++) {
    const at = NOW + second * 1000
    const alive = sessions.filter((s) => s.openAt <= second).map((s) => backendAt(s, second))
    const billing = second >= 200 ? [{ ...forgotten, backendStartMillis: NOW + 200_000, xactStartMillis: NOW + 200_000, stateChangeMillis: NOW + 200_000 }] : []
    monitor.ingest(snapshot([...alive, ...billing], at))
  }
  return { monitor, oldestLeakPid: backendAt(leaked[0]!, 0).pid, state: { server: serverInfo(serverSettings, 'app@db:5432/shop'), monitor, intervalMillis: 1000, status: '', isPaused: false } }
}

function frameOf(state: LiveViewState, size: { columns: number; rows: number }, keys: readonly LiveKey[] = []): string[] {
  let navigation = START_NAVIGATION
  for (const key of keys) navigation = navigate(navigation, key, liveRows(state.monitor, state.monitor.active(), navigation, size))
  return renderLiveFrame(createPalette({ isColor: false }), { ...state, navigation }, state.monitor.active(), size).map((line) => stripVTControlCharacters(line))
}

/** The findings' block of a frame as one line: a title that runs on over rows reads whole. */
function findingsText(frame: readonly string[]): string {
  return frame
    .slice(frame.findIndex((line) => line.startsWith('findings (')))
    .join(' ')
    .replace(/\s+/g, ' ')
}

describe('the live view at 80 and 160 columns', () => {
  const { state, monitor, oldestLeakPid } = leakHeldAtLimit()

  it.each([
    [80, 24],
    [160, 40],
  ])('at %i columns puts each finding figure first and cuts no title', (columns, rows) => {
    const frame = frameOf(state, { columns, rows })
    expect(frame.every((line) => line.length <= columns)).toBe(true)
    expect(frame.length).toBeLessThanOrEqual(rows)
    // The server's version comes before its address, which a narrow terminal may cut.
    expect(frame[0]).toMatch(/^pgleak watch · 5m00s · every 1s · PostgreSQL \d+\.\d+ · app@db/)
    const findings = monitor.active()
    expect(findings.map((f) => f.kind)).toEqual(expect.arrayContaining(['connection-growth', 'idle-in-transaction', 'headroom']))
    for (const finding of findings) expect(findingsText(frame)).toContain(finding.title.replace(/\s+/g, ' '))
    const growthRow = frame.find((line) => line.includes('reached 47/47'))
    expect(growthRow).toMatch(columns >= 120 ? /^. ERROR connection-growth +reached 47\/47 +order-service keeps/ : /^. ERROR reached 47\/47 +order-service keeps/)
  })

  it('shows a leak held at the limit as a climb to a ceiling, marked limit, not as a flat calm line', () => {
    const row = frameOf(state, { columns: 80, rows: 24 }).find((line) => line.startsWith('  order-service'))!
    const [, trend, rate] = /(\S+) +(limit) +-$/.exec(row) ?? []
    expect(rate).toBe('limit')
    expect(new Set(trend).size).toBeGreaterThanOrEqual(4)
    expect(trend?.endsWith('████')).toBe(true)
    // The healthy pool's steady count is drawn low and level.
    expect(frameOf(state, { columns: 80, rows: 24 }).find((line) => line.startsWith('  storefront'))).toMatch(/ ▁+ +0 /)
  })

  it("draws a pile held below the server's limit (at its pool's size) as its climb too, without the limit mark", () => {
    const monitor = new LeakMonitor(settings(), { groupBy: ['app'], ignore: [], thresholds: DEFAULT_THRESHOLDS })
    // A pool of 31 whose checkouts are never returned: it stops opening at its size, far below 97 slots.
    const sessions = [...leakEvery('order-service', 2, 60), ...simulatedPool('storefront', 3, 300)]
    for (let second = 0; second <= 300; second++) monitor.ingest(snapshot(sessions.filter((s) => s.openAt <= second).map((s) => backendAt(s, second)), NOW + second * 1000))
    expect(monitor.active().map((f) => f.kind)).toContain('abandoned-connections')
    const heldState = { server: serverInfo(settings(), 'app@db:5432/shop'), monitor, intervalMillis: 1000, status: '', isPaused: false }
    const row = frameOf(heldState, { columns: 80, rows: 24 }).find((line) => line.startsWith('  order-service'))!
    const [, trend, rate] = /(\S+) +(\S+) +-$/.exec(row) ?? []
    // The climb from zero, then the ceiling: not the level line its lowest-to-highest scale would draw.
    expect(trend?.[0]).not.toBe('█')
    expect(trend?.endsWith('████')).toBe(true)
    expect(rate).toBe('0')
  })

  it('opens a group to its sessions, oldest first: pid, ages, state, client and last query', () => {
    const frame = frameOf(state, { columns: 80, rows: 24 }, ['tab', 'enter'])
    expect(frame[2]).toMatch(/^esc back · ↑↓ scroll · s sort: age/)
    expect(frame[3]).toBe('order-service · 42 connections: 0 active, 42 idle, 0 in tx')
    expect(frame[4]).toMatch(/^ +pid +in state +conn age +state +client +last query$/)
    expect(frame[5]!.trim().split(/\s+/).slice(0, 5)).toEqual([String(oldestLeakPid), '4m59s', '5m00s', 'idle', '10.0.0.7:50000'])
    expect(frame.at(-1)).toMatch(/^↓ \d+ more lines?$/)
  })

  it('scrolls an opened group no further than its end, so one key up moves it back at once', () => {
    const atEnd = frameOf(state, { columns: 80, rows: 24 }, ['tab', 'enter', ...Array<LiveKey>(200).fill('down')])
    expect(atEnd.at(-1)).toBe('(end)')
    expect(frameOf(state, { columns: 80, rows: 24 }, ['tab', 'enter', ...Array<LiveKey>(200).fill('down'), 'up']).at(-1)).toBe('↓ 1 more line')
  })

  it('opens a finding to its figures, advice, pids and its sessions as they are now', () => {
    const findings = monitor.active()
    const index = findings.findIndex((f) => f.kind === 'idle-in-transaction')
    const frame = frameOf(state, { columns: 80, rows: 40 }, [...Array<LiveKey>(index).fill('down'), 'enter'])
    const text = frame.join('\n')
    expect(frame[3]).toMatch(/^WARN {2}1m40s · idle-in-transaction · active$/)
    expect(text).toMatch(/^figures +idle 1m40s/m)
    expect(text).toMatch(/^pid +4242$/m)
    expect(text).toMatch(/^advice +The code that began this transaction/m)
    expect(text).toMatch(/^ +4242 +1m40s +1m40s +idle in tx +10\.0\.0\.7:50000 +UPDATE orders SET status/m)
  })

  it('sorts the groups by the key pressed', () => {
    const groupsOf = (frame: string[]): string[] => frame.filter((line) => /^[ ›] \S/.test(line) && !/ERROR|WARN|total/.test(line)).map((line) => line.slice(2).split(/\s+/)[0]!)
    expect(groupsOf(frameOf(state, { columns: 80, rows: 24 }))).toEqual(['order-service', 'storefront', 'billing-worker'])
    expect(groupsOf(frameOf(state, { columns: 80, rows: 24 }, ['sort']))).toEqual(['billing-worker', 'order-service', 'storefront'])
    expect(frameOf(state, { columns: 80, rows: 24 }, ['sort'])[2]).toContain('s sort: in tx')
  })
})
