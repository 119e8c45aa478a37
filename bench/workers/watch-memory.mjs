// Memory of the leak monitor after a simulated day of 1 s polls on 1,000
// backends, against after an hour: replayed through the same timeline and
// detectors as a live watch, a few sessions replaced every second.
import { LeakMonitor } from '../../dist/core/leak-monitor.js'
import { DEFAULT_THRESHOLDS } from '../../dist/core/thresholds.js'

const hours = Number(process.argv[2] ?? 24)
const START = Date.parse('2026-11-21T00:00:00.000Z')
const settings = {
  version: '18.4', versionNum: 180004, maxConnections: 1100, superuserReservedConnections: 3, reservedConnections: 0,
  idleInTransactionSessionTimeoutMillis: 60_000, idleSessionTimeoutMillis: 0, tcpKeepalivesIdleSeconds: 0,
  roleConnectionLimits: {}, databaseConnectionLimits: {}, currentUser: 'postgres', isSuperuser: true, canReadAllStats: true,
}
const monitor = new LeakMonitor(settings, { groupBy: ['app'], ignore: [], thresholds: DEFAULT_THRESHOLDS })
const apps = Array.from({ length: 20 }, (_, i) => `app-${i}`)
function backendsAt(second) {
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
function heapMb() {
  globalThis.gc()
  return process.memoryUsage().heapUsed / 1024 / 1024
}
let hourMb = 0
for (let second = 0; second < hours * 3600; second++) {
  monitor.ingest({ sampledAtMillis: START + second * 1000, backends: backendsAt(second), sessionsEstablished: second })
  if (second === 3599) hourMb = heapMb()
}
console.log(JSON.stringify({ hourMb, endMb: heapMb(), hours }))
