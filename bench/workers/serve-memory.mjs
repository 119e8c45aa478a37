// Memory of `serve` after a simulated hour: TARGETS targets of 1,000 backends
// polled every second, each through its own leak monitor (timeline, detectors,
// finding tracker) as serve keeps them, with resolved findings forgotten as
// serve forgets them. Heap after GC, every ten minutes of simulated time.
import { LeakMonitor } from '../../dist/core/leak-monitor.js'
import { DEFAULT_THRESHOLDS } from '../../dist/core/thresholds.js'
import { backendsAt, settings, START } from './simulated-backends.mjs'

const targets = Number(process.argv[2] ?? 20)
const seconds = Number(process.argv[3] ?? 3600)
const monitors = Array.from({ length: targets }, () => new LeakMonitor(settings, { groupBy: ['app'], ignore: [], thresholds: DEFAULT_THRESHOLDS }))
function heapMb() {
  globalThis.gc()
  return process.memoryUsage().heapUsed / 1024 / 1024
}
const startMb = heapMb()
const everyTenMinutesMb = []
for (let second = 0; second < seconds; second++) {
  for (const monitor of monitors) {
    // Each target its own backend objects, as each reads its own server.
    const snapshot = { sampledAtMillis: START + second * 1000, backends: backendsAt(second), sessionsEstablished: second }
    monitor.ingest(snapshot)
    if (second % 60 === 0) monitor.forgetResolvedBefore(snapshot.sampledAtMillis - 24 * 3600_000)
  }
  if ((second + 1) % 600 === 0) everyTenMinutesMb.push(heapMb())
}
// Read after the last measurement, so the monitors are alive when it is taken.
const samples = monitors.reduce((sum, monitor) => sum + monitor.timeline.samples, 0)
console.log(JSON.stringify({ targets, seconds, samples, startMb, everyTenMinutesMb, hourMb: everyTenMinutesMb.at(-1), peakMb: Math.max(...everyTenMinutesMb) }))
