// The whole path as a platform team runs it: `pgleak serve` watching two real
// servers, a real Prometheus scraping it every second with the shipped rules,
// a real leaking program on one server and a healthy pool on the other. The
// shipped leak alert must fire for that target and application, through
// Prometheus' own HTTP API, and nothing for the other.
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { freePort } from '../../src/demo/embedded-server.js'
import { startProgram, type RunningProgram } from '../programs/run-program.js'
import { NO_PROMETHEUS, prometheusBinary, TestPrometheus, type PrometheusAlert } from '../support/prometheus.js'
import { BIN, waitFor } from '../support/run-cli.js'
import { useTestDatabase } from '../support/test-database.js'

const RULES = fileURLToPath(new URL('../../prometheus/pgleak-rules.yml', import.meta.url))
const DASHBOARD = fileURLToPath(new URL('../../prometheus/grafana-dashboard.json', import.meta.url))

const orders = useTestDatabase({ settings: { max_connections: 60 } })
const billing = useTestDatabase({ settings: { max_connections: 40 } })

const running: Array<{ stop(): Promise<unknown> }> = []
afterAll(async () => {
  for (const thing of running.reverse()) await thing.stop()
})

function startServe(args: readonly string[], env: Record<string, string>): { child: ChildProcess; output: () => string; stop(): Promise<void> } {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  return {
    child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null) return
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      await exited
    },
  }
}

const skipped = prometheusBinary ? '' : ` [${NO_PROMETHEUS}]`

describe.skipIf(process.env.PGLEAK_TEST_DATABASE_URL !== undefined)('pgleak serve with a real Prometheus', () => {
  it.skipIf(!prometheusBinary)(`the shipped leak alert fires for the leaking target and application, and nothing for the healthy one${skipped}`, { timeout: 180_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgleak-serve-e2e-'))
    const targetsFile = join(dir, 'targets.json')
    await writeFile(targetsFile, JSON.stringify([
      { name: 'orders', dsn: orders().url(), labels: { env: 'test' } },
      { name: 'billing', dsnEnv: 'BILLING_DSN', labels: { env: 'test' } },
    ]))
    const port = await freePort()
    // billing's DSN from the environment, as a Kubernetes Secret would give it.
    const serveProcess = startServe(['--targets', targetsFile, '--listen', `127.0.0.1:${port}`, '--interval', '0.5s'], { BILLING_DSN: billing().url() })
    running.push(serveProcess)
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false)), 15_000).catch(() => {
      throw new Error(`pgleak serve did not start: ${serveProcess.output()}`)
    })
    const prometheus = await TestPrometheus.start(`127.0.0.1:${port}`, [RULES])
    running.push(prometheus)

    const programs: RunningProgram[] = [
      startProgram({ script: 'node/client-per-request-leak.mjs', application: 'orders-api', env: { REQUESTS_PER_SECOND: '2', LEAK_EVERY: '4' }, durationSeconds: 150 }, orders().url(), undefined),
      startProgram({ script: 'node/healthy-pool.mjs', application: 'billing-api', env: { CONCURRENCY: '6' }, durationSeconds: 150 }, billing().url(), undefined),
    ]
    for (const program of programs) running.push(program)

    const started = Date.now()
    let alerts: PrometheusAlert[] = []
    await waitFor(async () => {
      alerts = await prometheus.alerts()
      return alerts.some((a) => a.labels.alertname === 'PgleakConnectionLeak' && a.state === 'firing')
    }, 150_000).catch(async () => {
      throw new Error(`no leak alert fired; alerts: ${JSON.stringify(alerts)}; scrape: ${(await prometheus.scrapeHealth()).join(', ')}; serve: ${serveProcess.output()}`)
    })
    const seconds = Math.round((Date.now() - started) / 1000)
    const leak = alerts.find((a) => a.labels.alertname === 'PgleakConnectionLeak' && a.state === 'firing')!
    expect(leak.labels).toMatchObject({ target: 'orders', application: 'orders-api', severity: 'critical' })
    expect(leak.annotations.summary).toBe('orders-api is leaking connections on orders')
    // pgleak's own verdict, carried into the alert: the finding's title and its advice.
    expect(leak.annotations.description).toMatch(/orders-api/)
    expect(leak.annotations.description!.length).toBeGreaterThan(60)
    // Nothing at all, pending or firing, for the healthy target.
    expect(alerts.filter((a) => a.labels.target === 'billing')).toEqual([])
    // Both targets were up all along, as Prometheus saw them.
    const up = await prometheus.query('min_over_time(pgleak_up[1m])')
    expect(Object.fromEntries(up.map((s) => [s.metric.target, s.value[1]]))).toEqual({ orders: '1', billing: '1' })
    console.log(`leak alert firing ${seconds} s after the leaking program started (30 s of it the rule's for:)`)

    // The time to exhaustion comes once connection-growth has judged the trend (its windows need 45 s).
    let eta: Awaited<ReturnType<TestPrometheus['query']>> = []
    await waitFor(async () => (eta = await prometheus.query('pgleak_exhaustion_eta_seconds')).length > 0, 90_000)
    expect(eta.map((s) => [s.metric.target, s.metric.application])).toEqual([['orders', 'orders-api']])
    console.log(`time to exhaustion in Prometheus ${Math.round((Date.now() - started) / 1000)} s after the program started: ${eta[0]!.value[1]} s`)

    // Every panel of the shipped dashboard is a valid query with data on these series.
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: Array<{ title: string; targets: Array<{ expr: string }> }> }
    const empty: string[] = []
    for (const panel of dashboard.panels) {
      for (const { expr } of panel.targets) {
        const result = await prometheus.query(expr.replaceAll('$target', '.*').replaceAll('$application', '.*').replaceAll('$__rate_interval', '1m'))
        if (result.length === 0) empty.push(`${panel.title}: ${expr}`)
      }
    }
    // Only the panels of what did not happen here may be empty: blocking transactions and target down.
    expect(empty.filter((line) => !/blocking|Targets down|Oldest transaction idle/.test(line))).toEqual([])
  })
})
