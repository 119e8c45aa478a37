// One poll at 1,000 backends: the server's execution time of pgleak's query
// (every row whole, as the first poll of a connection asks, and what changed,
// as every later poll asks) against plain SELECT * FROM pg_stat_activity; and
// pgleak's client CPU for the timeline and detectors and a frame, and apart
// from it for reading the poll (node-postgres and the reader), in a tight
// loop of real polls.
import pg from 'pg'
import { LeakMonitor } from '../../dist/core/leak-monitor.js'
import { DEFAULT_THRESHOLDS } from '../../dist/core/thresholds.js'
import { serverInfo } from '../../dist/core/audit-report.js'
import { createPalette } from '../../dist/render/colors.js'
import { renderLiveFrame } from '../../dist/render/live/live-view.js'
import { readServerSettings, SnapshotReader, QUERY_TEXT_LIMIT } from '../../dist/sources/pg/read-snapshot.js'
import { snapshotQueryFor } from '../../dist/sources/pg/snapshot-query.js'

const client = new pg.Client({ connectionString: process.argv[2], application_name: 'pgleak' })
await client.connect()
const db = {
  query: async (sql, values) => (await client.query(sql, values)).rows,
  queryArrays: async (name, text, values) => (await client.query({ name, text, values, rowMode: 'array' })).rows,
}
const settings = await readServerSettings(db)
const ours = snapshotQueryFor(settings.versionNum).replaceAll('$1', String(QUERY_TEXT_LIMIT))
const plain = 'SELECT * FROM pg_stat_activity'
// From PostgreSQL 17, SERIALIZE counts turning the result rows into text for the client inside the
// execution time: the server's whole work for a query. Without it, a plain SELECT * looks cheaper than
// it is (its thousand rows are converted after the measurement) and a query that builds its text
// inside the plan looks dearer.
const serialize = settings.versionNum >= 170000 ? 'SERIALIZE TEXT, ' : ''
async function executionMillis(sql) {
  const result = await client.query(`EXPLAIN (ANALYZE, ${serialize}FORMAT JSON) ${sql}`)
  return result.rows[0]['QUERY PLAN'][0]['Execution Time']
}
const wholeMs = []
const deltaMs = []
const plainMs = []
for (let i = 0; i < 30; i++) {
  plainMs.push(await executionMillis(plain))
  wholeMs.push(await executionMillis(ours.replaceAll('$2', 'NULL').replaceAll('$3', 'NULL')))
  // What a poll a second after the last one asks for; with no hash of the last stable text, the
  // text is sent (the dearer case: a quiet server's later polls leave it out).
  deltaMs.push(await executionMillis(ours.replaceAll('$2', String(Date.now() - 1000)).replaceAll('$3', 'NULL')))
}

const monitor = new LeakMonitor(settings, { groupBy: ['app'], ignore: [], thresholds: DEFAULT_THRESHOLDS })
const palette = createPalette({ isColor: true })
const server = serverInfo(settings, 'bench')
const reader = new SnapshotReader(settings.versionNum)
const cpuMicros = []
const readMicros = []
let backends = 0
for (let i = 0; i < 400; i++) {
  const beforeRead = process.cpuUsage()
  const snapshot = await reader.read(db)
  const read = process.cpuUsage(beforeRead)
  const before = process.cpuUsage()
  monitor.ingest(snapshot)
  renderLiveFrame(palette, { server, monitor, intervalMillis: 1000, status: '', isPaused: false }, monitor.active(), { columns: 160, rows: 40 })
  const used = process.cpuUsage(before)
  backends = snapshot.backends.length
  if (i >= 100) {
    cpuMicros.push(used.user + used.system)
    readMicros.push(read.user + read.system)
  }
}
await client.end()
console.log(JSON.stringify({ backends, serialize: serialize !== '', wholeMs, deltaMs, plainMs, cpuMicros, readMicros }))
