// Size of an hour of `watch --record` at 1 s polls on 1,000 mostly idle
// backends (each second ten of them run a query and one session is replaced),
// written as pgleak writes it: deltas with a full snapshot every 120 polls,
// plain and gzip (one member per line).
import { gzipSync } from 'node:zlib'
import { DeltaEncoder } from '../../dist/sources/recording/snapshot-deltas.js'

const seconds = Number(process.argv[2] ?? 3600)
const START = Date.parse('2026-11-21T00:00:00.000Z')
const apps = Array.from({ length: 20 }, (_, i) => `app-${i}`)
const lastQueryAt = new Array(1000).fill(START)
function backendsAt(second) {
  // Ten sessions a second run something: their state_change and query_start move.
  for (let k = 0; k < 10; k++) lastQueryAt[(second * 10 + k) % 1000] = START + second * 1000
  const backends = []
  for (let i = 0; i < 1000; i++) {
    const generation = Math.floor((second + i) / 1000)
    backends.push({
      pid: 100_000 + i * 97 + (generation % 97), backendStartMillis: START + (generation * 1000 - i) * 1000, xactStartMillis: null,
      stateChangeMillis: lastQueryAt[i], queryStartMillis: lastQueryAt[i], state: 'idle', backendType: 'client backend', application: apps[i % 20],
      user: 'app', database: 'shop', clientAddr: `10.0.0.${i % 200}`, clientPort: 40000 + i, waitEventType: 'Client', waitEvent: 'ClientRead',
      xminAge: null, blockedBy: [], query: `SELECT * FROM orders WHERE id = $1`, isVisible: true,
    })
  }
  return backends
}
const encoder = new DeltaEncoder()
let plain = 0
let gzip = 0
let full = 0
for (let second = 0; second < seconds; second++) {
  const snapshot = { sampledAtMillis: START + second * 1000, sessionsEstablished: second, backends: backendsAt(second) }
  const line = `${JSON.stringify(encoder.encode(snapshot))}\n`
  plain += Buffer.byteLength(line)
  gzip += gzipSync(line).length
  if (second < 60) full += Buffer.byteLength(JSON.stringify({ type: 'snapshot', backends: snapshot.backends })) + 1
}
console.log(JSON.stringify({ seconds, plainMbPerHour: (plain / 1024 / 1024) * (3600 / seconds), gzipMbPerHour: (gzip / 1024 / 1024) * (3600 / seconds), fullMbPerHour: (full / 1024 / 1024) * 60 }))
