// pgleak serve's whole-process CPU: TARGETS targets (all the bench server, so
// each poll reads its 1,000 backends) polled every second for SECONDS seconds,
// in this process as `pgleak serve` runs them, with a scrape of /metrics every
// 15 s from another process, as Prometheus would. Prints CPU per poll, the CPU
// share of one core, and memory.
import { spawn } from 'node:child_process'
import { serve } from '../../dist/serve.js'
import { targetsFromDsns } from '../../dist/serve/serve-targets.js'

const [url, targetCount = '1', seconds = '30'] = process.argv.slice(2)
const base = targetsFromDsns([url], {})[0]
const targets = Array.from({ length: Number(targetCount) }, (_, i) => ({ ...base, name: `db-${i + 1}` }))
const handle = await serve({ targets, listen: { host: '127.0.0.1', port: 0 }, intervalMillis: 1000 })
const polls = () => handle.watches().reduce((sum, w) => sum + w.polls, 0)
// The scraper is a process of its own, started before the measurement: Prometheus' work, and
// starting it, are not pgleak's. It first scrapes a hundred times back to back, so that the
// exposition's code is as compiled as it is in a process that has answered scrapes for weeks, then
// every 15 s, as Prometheus would.
const metricsUrl = `http://127.0.0.1:${handle.address.port}/metrics`
const scraperScript = `
  const scrape = () => fetch(${JSON.stringify(metricsUrl)}).then((r) => r.text())
  for (let i = 0; i < 100; i++) { await scrape(); await new Promise((r) => setTimeout(r, 100)) }
  console.log('warm')
  setInterval(scrape, 15000)`
const scraper = spawn(process.execPath, ['--input-type=module', '-e', scraperScript], { stdio: ['ignore', 'pipe', 'ignore'] })
const scraperWarm = new Promise((resolve) => scraper.stdout.on('data', (chunk) => String(chunk).includes('warm') && resolve()))
// Warm up: the first polls compile the code paths and fill the timeline.
const warmupPolls = Number(process.env.WARMUP_POLLS ?? 10)
while (handle.watches().some((w) => w.polls < warmupPolls)) await new Promise((resolve) => setTimeout(resolve, 100))
await scraperWarm
const pollsBefore = polls()
const cpuBefore = process.cpuUsage()
const started = process.hrtime.bigint()
await new Promise((resolve) => setTimeout(resolve, Number(seconds) * 1000))
scraper.kill()
const cpu = process.cpuUsage(cpuBefore)
const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9
const pollCount = polls() - pollsBefore
global.gc?.()
const memory = process.memoryUsage()
await handle.close()
const cpuMillis = (cpu.user + cpu.system) / 1000
console.log(JSON.stringify({
  targets: targets.length,
  polls: pollCount,
  cpuMillisPerPoll: cpuMillis / pollCount,
  userMillisPerPoll: cpu.user / 1000 / pollCount,
  systemMillisPerPoll: cpu.system / 1000 / pollCount,
  coreShare: cpuMillis / 1000 / wallSeconds,
  heapMb: memory.heapUsed / 1024 / 1024,
  rssMb: memory.rss / 1024 / 1024,
}))
