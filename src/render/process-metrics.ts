// pgleak's own process, read when Prometheus scrapes and at no other time.
// prom-client's default metrics keep samplers running between scrapes (an
// event-loop delay timer, a GC observer): about 1.2 ms of CPU a second on an
// idle process, as much as polling a target of 1,000 backends costs. These
// are the same facts under the usual names, each read at the scrape.
import { readdir } from 'node:fs/promises'
import { Counter, Gauge, type Registry } from 'prom-client'

const PREFIX = 'pgleak_'
const START_SECONDS = Math.round(Date.now() / 1000 - process.uptime())

function counter(registry: Registry, name: string, help: string, read: () => number): void {
  new Counter({
    name: PREFIX + name,
    help,
    registers: [registry],
    collect() {
      this.reset()
      this.inc(read())
    },
  })
}

function gauge(registry: Registry, name: string, help: string, read: () => number | Promise<number | undefined> | undefined): void {
  new Gauge({
    name: PREFIX + name,
    help,
    registers: [registry],
    async collect() {
      const value = await read()
      if (value === undefined) this.reset()
      else this.set(value)
    },
  })
}

/** Open file descriptors, where the system lists them (Linux's /proc); absent elsewhere. */
async function openFileDescriptors(): Promise<number | undefined> {
  if (process.platform !== 'linux') return undefined
  try {
    return (await readdir('/proc/self/fd')).length - 1 // the listing's own descriptor
  } catch {
    return undefined
  }
}

/** How late a callback queued now runs: the event loop's lag at this moment. */
function eventLoopLagSeconds(): Promise<number> {
  const queued = process.hrtime.bigint()
  return new Promise((resolve) => setImmediate(() => resolve(Number(process.hrtime.bigint() - queued) / 1e9)))
}

export function registerProcessMetrics(registry: Registry): void {
  counter(registry, 'process_cpu_user_seconds_total', 'User CPU time spent in seconds', () => process.cpuUsage().user / 1e6)
  counter(registry, 'process_cpu_system_seconds_total', 'System CPU time spent in seconds', () => process.cpuUsage().system / 1e6)
  counter(registry, 'process_cpu_seconds_total', 'User and system CPU time spent in seconds', () => {
    const usage = process.cpuUsage()
    return (usage.user + usage.system) / 1e6
  })
  gauge(registry, 'process_start_time_seconds', 'Start time of the process since the Unix epoch in seconds', () => START_SECONDS)
  gauge(registry, 'process_resident_memory_bytes', 'Resident memory size in bytes', () => process.memoryUsage.rss())
  gauge(registry, 'process_open_fds', 'Number of open file descriptors', openFileDescriptors)
  gauge(registry, 'nodejs_heap_size_used_bytes', 'Heap in use, in bytes', () => process.memoryUsage().heapUsed)
  gauge(registry, 'nodejs_heap_size_total_bytes', 'Heap allocated, in bytes', () => process.memoryUsage().heapTotal)
  gauge(registry, 'nodejs_external_memory_bytes', 'Memory of C++ objects bound to JavaScript objects, in bytes', () => process.memoryUsage().external)
  gauge(registry, 'nodejs_eventloop_lag_seconds', 'How late a callback queued at the scrape ran, in seconds', eventLoopLagSeconds)
  new Gauge({ name: `${PREFIX}nodejs_version_info`, help: 'Node.js version', labelNames: ['version'], registers: [registry] }).set({ version: process.version }, 1)
}
