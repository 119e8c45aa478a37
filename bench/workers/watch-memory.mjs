// Memory of the leak monitor after a simulated day of 1 s polls on 1,000
// backends, against after an hour: replayed through the same timeline and
// detectors as a live watch, a few sessions replaced every second.
import { LeakMonitor } from '../../dist/core/leak-monitor.js'
import { DEFAULT_THRESHOLDS } from '../../dist/core/thresholds.js'
import { backendsAt, settings, START } from './simulated-backends.mjs'

const hours = Number(process.argv[2] ?? 24)
const monitor = new LeakMonitor(settings, { groupBy: ['app'], ignore: [], thresholds: DEFAULT_THRESHOLDS })
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
