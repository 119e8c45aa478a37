// One poll at 1,000 backends: the server's execution time of pgleak's query
// against plain SELECT * FROM pg_stat_activity, and pgleak's client CPU for
// turning the rows into a snapshot, the timeline and detectors, and a frame.
import pg from 'pg'
import { LeakMonitor } from '../../dist/core/leak-monitor.js'
import { DEFAULT_THRESHOLDS } from '../../dist/core/thresholds.js'
import { serverInfo } from '../../dist/core/audit-report.js'
import { createPalette } from '../../dist/render/colors.js'
import { renderLiveFrame } from '../../dist/render/live-view.js'
import { readServerSettings, toSnapshot, QUERY_TEXT_LIMIT } from '../../dist/sources/pg/read-snapshot.js'
import { snapshotQueryFor } from '../../dist/sources/pg/snapshot-query.js'

const client = new pg.Client({ connectionString: process.argv[2], application_name: 'pgleak' })
await client.connect()
const settings = await readServerSettings({ query: async (sql, values) => (await client.query(sql, values)).rows })
const ours = snapshotQueryFor(settings.versionNum)
const plain = 'SELECT * FROM pg_stat_activity'
async function executionMillis(sql, values) {
  const result = await client.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, values)
  return result.rows[0]['QUERY PLAN'][0]['Execution Time']
}
const oursMs = []
const plainMs = []
for (let i = 0; i < 30; i++) {
  plainMs.push(await executionMillis(plain))
  oursMs.push(await executionMillis(ours.replace('$1', String(QUERY_TEXT_LIMIT))))
}
const rows = (await client.query(ours, [QUERY_TEXT_LIMIT])).rows
await client.end()

const monitor = new LeakMonitor(settings, { groupBy: ['app'], ignore: [], thresholds: DEFAULT_THRESHOLDS })
const palette = createPalette({ isColor: true })
const server = serverInfo(settings, 'bench')
const cpuMicros = []
for (let i = 0; i < 400; i++) {
  const shifted = rows.map((row) => ({ ...row, sampled_at: row.sampled_at + i * 1000 }))
  const before = process.cpuUsage()
  const snapshot = toSnapshot(shifted)
  monitor.ingest(snapshot)
  renderLiveFrame(palette, { server, monitor, intervalMillis: 1000, status: '', isPaused: false }, monitor.active(), { columns: 160, rows: 40 })
  const used = process.cpuUsage(before)
  if (i >= 100) cpuMicros.push(used.user + used.system)
}
console.log(JSON.stringify({ backends: rows.length, oursMs, plainMs, cpuMicros }))
