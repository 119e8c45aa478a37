import { describe, expect, it } from 'vitest'
import { runPoolerDetectors } from '../../../src/core/detectors/pooler/index.js'
import type { Finding } from '../../../src/core/finding.js'
import type { PoolerConnection, PoolerSnapshot } from '../../../src/core/pooler.js'
import { joinPoolerClients } from '../../../src/core/pooler-join.js'
import { PoolerTimeline } from '../../../src/core/pooler-timeline.js'

const T0 = Date.UTC(2026, 10, 29, 12)

interface ClientSpec {
  readonly application: string
  readonly connectedAt: number
  /** Seconds after T0 of its last request. */
  readonly lastRequestAt: number
  readonly state?: string
}

function snapshot(atSecond: number, clients: readonly ClientSpec[], options: { waiting?: number; maxWait?: number; maxClientConn?: number; servers?: number; maxDbConnections?: number } = {}): PoolerSnapshot {
  const servers = options.servers ?? Math.min(10, clients.length)
  const connections: PoolerConnection[] = clients.map((c, i) => ({
    id: `0xc${i}`,
    link: i < servers ? `0xs${i}` : null,
    database: 'shop',
    user: 'app',
    state: c.state ?? (i < servers ? 'active' : 'waiting'),
    addr: '10.0.0.7',
    port: 40000 + i,
    connectMillis: T0 + c.connectedAt * 1000,
    requestMillis: T0 + c.lastRequestAt * 1000,
    application: c.application,
    remotePid: null,
  }))
  return {
    pooler: 'pgleak@pgbouncer:6432/pgbouncer',
    sampledAtMillis: T0 + atSecond * 1000,
    version: 'PgBouncer 1.18.0',
    config: { maxClientConn: options.maxClientConn ?? 100, defaultPoolSize: 10, reservePoolSize: 0, poolMode: 'session', maxDbConnections: 0, maxUserConnections: 0 },
    pools: [{ database: 'shop', user: 'app', clientsActive: Math.min(servers, clients.length), clientsWaiting: options.waiting ?? Math.max(0, clients.length - servers), serversActive: servers, serversIdle: 0, serversUsed: 0, serversLogin: 0, maxWaitSeconds: options.maxWait ?? 0, poolMode: 'session' }],
    clients: connections,
    servers: Array.from({ length: servers }, (_, i) => ({ id: `0xs${i}`, link: connections[i] ? `0xc${i}` : null, database: 'shop', user: 'app', state: 'active', addr: '10.0.0.2', port: 5432, connectMillis: T0, requestMillis: T0, application: clients[i]?.application ?? '', remotePid: 5000 + i })),
    databases: [{ name: 'shop', poolSize: 10, reservePool: 0, maxConnections: options.maxDbConnections ?? 0, currentConnections: servers, maxClientConnections: 0, currentClientConnections: clients.length }],
  }
}

function judge(looks: readonly PoolerSnapshot[], usableSlots?: number): Finding[] {
  const timeline = new PoolerTimeline()
  for (const look of looks) timeline.ingest(look)
  return runPoolerDetectors({ timeline, ...(usableSlots !== undefined ? { usableSlots } : {}) })
}

/** An engine per call: one more client a second, each used once when it connected. */
function leakLooks(seconds: number): PoolerSnapshot[] {
  return Array.from({ length: seconds }, (_, t) => snapshot(t, Array.from({ length: t + 1 }, (_, i) => ({ application: 'report-svc', connectedAt: i, lastRequestAt: i }))))
}

describe('pooler detectors', () => {
  it('names an application whose clients pile up at the pooler, used once and kept', () => {
    const findings = judge(leakLooks(9))
    const growth = findings.find((f) => f.kind === 'pooler-client-growth')
    expect(growth?.subject.application).toBe('report-svc')
    expect(growth?.kind === 'pooler-client-growth' && growth.evidence).toMatchObject({ clients: 9, riseInWindow: 8, serverConnections: 9, maxClientConn: 100 })
    expect(growth?.severity).toBe('warning')
    // Before the stuck ones are five, nothing.
    expect(judge(leakLooks(6)).filter((f) => f.kind === 'pooler-client-growth')).toEqual([])
  })

  it('is an error once clients wait for a server, and the pooler near max_client_conn is named with its refusal', () => {
    const looks = Array.from({ length: 14 }, (_, t) =>
      snapshot(t, Array.from({ length: t + 6 }, (_, i) => ({ application: 'report-svc', connectedAt: i, lastRequestAt: i })), { maxWait: t, maxClientConn: 20 }),
    )
    const findings = judge(looks)
    expect(findings.find((f) => f.kind === 'pooler-client-growth')?.severity).toBe('error')
    const exhausted = findings.filter((f) => f.kind === 'pool-exhaustion').map((f) => f.title)
    expect(exhausted).toEqual([expect.stringMatching(/^PgBouncer pool shop\/app is exhausted: 9 clients waiting for a server, the longest 13 s; all 10 of its server connections are held$/), 'PgBouncer is full: 20 of max_client_conn 20 clients, new logins are refused'])
  })

  it('leaves a pool that reuses its clients, and a burst that comes back down, alone', () => {
    // Twelve clients, each used a moment ago: a pool warming up and in use.
    const reused = Array.from({ length: 12 }, (_, t) => snapshot(t, Array.from({ length: t + 1 }, (_, i) => ({ application: 'api', connectedAt: i, lastRequestAt: t }))))
    expect(judge(reused)).toEqual([])
    // A burst of stuck clients that closes again: counts fall in the last looks.
    const burst = [...leakLooks(8), snapshot(8, [{ application: 'report-svc', connectedAt: 0, lastRequestAt: 0 }]), snapshot(9, [])]
    expect(judge(burst).filter((f) => f.kind === 'pooler-client-growth')).toEqual([])
    // A node-postgres pool's burst: eight clients opened at once, each used once; LIFO leaves them idle until they time out.
    const step = Array.from({ length: 10 }, (_, t) => snapshot(t, Array.from({ length: t < 3 ? 2 : 10 }, (_, i) => ({ application: 'api', connectedAt: i < 2 ? 0 : 3, lastRequestAt: i < 2 ? t : 3 }))))
    expect(judge(step)).toEqual([])
    // A wait that drains between two looks is not exhaustion.
    const draining = [snapshot(0, [], { waiting: 0 }), snapshot(1, [{ application: 'api', connectedAt: 1, lastRequestAt: 1 }], { waiting: 1, maxWait: 0.2, servers: 0 })]
    expect(judge(draining)).toEqual([])
  })

  it("names a database at its max_db_connections, whose clients then wait", () => {
    const clients = Array.from({ length: 6 }, () => ({ application: 'api', connectedAt: 0, lastRequestAt: 0 }))
    const titles = judge([snapshot(0, clients, { servers: 6, maxDbConnections: 6 })]).map((f) => f.title)
    expect(titles).toEqual(['PgBouncer database shop is at max_db_connections: 6 of 6 server connections; its clients wait for one'])
    expect(judge([snapshot(0, clients, { servers: 6, maxDbConnections: 20 })])).toEqual([])
  })

  it("reports the pooler's pools against the server's slots", () => {
    const [sizing] = judge([snapshot(0, [])], 8)
    expect(sizing?.kind).toBe('pool-sizing')
    expect(sizing?.title).toBe("PgBouncer's 1 pool can open 10 server connections against 8 usable slots (not a leak)")
    expect(judge([snapshot(0, [])], 97)).toEqual([])
  })

  it('names the client at the pooler that holds a server session a finding is about', () => {
    const look = snapshot(0, [{ application: 'billing-worker', connectedAt: 0, lastRequestAt: 0 }])
    const finding = { kind: 'idle-in-transaction', severity: 'warning', title: 'billing-worker: a session idle in transaction for 1m', subject: { application: null, user: null, database: null, client: null, pool: null }, pids: [5000], evidence: {}, advice: '' } as unknown as Finding
    const [joined] = joinPoolerClients([finding], [look])
    expect(joined?.title).toBe('billing-worker: a session idle in transaction for 1m (backend pid 5000, held through PgBouncer by billing-worker at 10.0.0.7:40000)')
    expect(joined?.poolerClients).toEqual([expect.objectContaining({ backendPid: 5000, application: 'billing-worker', clientPort: 40000, clientState: 'active' })])
    const other = { ...finding, pids: [77] } as Finding
    expect(joinPoolerClients([other], [look])).toEqual([other])
  })
})
