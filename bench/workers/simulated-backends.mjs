// 1,000 simulated backends, mostly idle, one replaced every second: the polls
// the memory benches replay through the same timeline and detectors as a live
// watch or serve.
export const START = Date.parse('2026-11-21T00:00:00.000Z')
export const settings = {
  version: '18.4', versionNum: 180004, maxConnections: 1100, superuserReservedConnections: 3, reservedConnections: 0,
  idleInTransactionSessionTimeoutMillis: 60_000, idleSessionTimeoutMillis: 0, tcpKeepalivesIdleSeconds: 0,
  roleConnectionLimits: {}, databaseConnectionLimits: {}, currentUser: 'postgres', isSuperuser: true, canReadAllStats: true,
}
const apps = Array.from({ length: 20 }, (_, i) => `app-${i}`)
export function backendsAt(second) {
  const backends = []
  for (let i = 0; i < 1000; i++) {
    // Each slot's session is replaced every 1,000 s, staggered: one new session a second.
    const generation = Math.floor((second + i) / 1000)
    const started = START + (generation * 1000 - i) * 1000
    backends.push({
      pid: 100_000 + i * 97 + (generation % 97), backendStartMillis: started, xactStartMillis: null, stateChangeMillis: START + second * 1000 - 500,
      queryStartMillis: START + second * 1000 - 500, state: i % 10 === 0 ? 'active' : 'idle', backendType: 'client backend', application: apps[i % 20],
      user: 'app', database: 'shop', clientAddr: `10.0.0.${i % 200}`, clientPort: 40000 + i, waitEventType: 'Client', waitEvent: 'ClientRead',
      xminAge: null, blockedBy: [], query: 'SELECT 1', isVisible: true,
    })
  }
  return backends
}
