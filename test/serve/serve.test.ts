// `serve` against real servers: what /metrics, /findings and /healthz say of
// each target, and that a target that hangs, restarts or refuses is down in
// its own series and comes back by itself while the others keep their cadence.
import { afterEach, describe, expect, it } from 'vitest'
import { thresholdsFor } from '../../src/core/thresholds.js'
import { serve, type ServeHandle } from '../../src/serve.js'
import { targetsFromDsns, type ServeTarget } from '../../src/serve/serve-targets.js'
import { signalServer } from '../support/server-signals.js'
import { sleep, waitFor } from '../support/run-cli.js'
import { useTestDatabase } from '../support/test-database.js'

const orders = useTestDatabase()
const billing = useTestDatabase()

function target(name: string, url: string, labels: Record<string, string> = {}): ServeTarget {
  return { ...targetsFromDsns([url], {})[0]!, name, labels }
}

/** One series' value from the exposition, by its name and labels (a subset); undefined when absent. */
function value(exposition: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of exposition.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue
    const inside = line.includes('{') ? line.slice(name.length + 1, line.lastIndexOf('}')) : ''
    if (Object.entries(labels).every(([key, wanted]) => inside.includes(`${key}="${wanted}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1))
  }
  return undefined
}

let handle: ServeHandle | undefined
afterEach(async () => {
  await handle?.close()
  handle = undefined
})

async function metrics(): Promise<string> {
  return (await fetch(`http://127.0.0.1:${handle!.address.port}/metrics`)).text()
}

describe.skipIf(process.env.PGLEAK_TEST_DATABASE_URL !== undefined)('pgleak serve', () => {
  it("exposes each target's connections, slots, idle transactions and findings, each series labelled with its target", { timeout: 30_000 }, async () => {
    handle = await serve({
      targets: [target('orders', orders().url(), { env: 'test' }), target('billing', billing().url())],
      listen: { host: '127.0.0.1', port: 0 },
      intervalMillis: 300,
      thresholds: thresholdsFor('watch', { idleInTransactionSeconds: 1 }),
    })
    for (let i = 0; i < 3; i++) await orders().openSession({ application: 'orders-api' })
    const stuck = await orders().openSession({ application: 'orders-cron' })
    await stuck.query('BEGIN')
    await stuck.query('SELECT 1')
    await billing().openSession({ application: 'billing-api' })

    await waitFor(async () => value(await metrics(), 'pgleak_finding', { target: 'orders', kind: 'idle-in-transaction' }) === 1, 15_000)
    const response = await fetch(`http://127.0.0.1:${handle.address.port}/metrics`)
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
    const text = await response.text()
    expect(value(text, 'pgleak_up', { target: 'orders', env: 'test' })).toBe(1)
    expect(value(text, 'pgleak_client_connections', { target: 'orders', application: 'orders-api', state: 'idle' })).toBe(3)
    expect(value(text, 'pgleak_client_connections', { target: 'orders', application: 'orders-cron', state: 'idle in transaction' })).toBe(1)
    // Each target sees only its own server's sessions.
    expect(value(text, 'pgleak_client_connections', { target: 'billing', application: 'billing-api', state: 'idle' })).toBe(1)
    expect(value(text, 'pgleak_client_connections', { target: 'billing', application: 'orders-api' })).toBeUndefined()
    expect(value(text, 'pgleak_max_connections', { target: 'orders' })).toBe(Number((await orders().admin<{ m: string }>("SELECT current_setting('max_connections') AS m"))[0]!.m))
    expect(value(text, 'pgleak_usable_slots', { target: 'orders' })).toBeGreaterThan(0)
    expect(value(text, 'pgleak_idle_in_transaction_oldest_seconds', { target: 'orders', application: 'orders-cron' })).toBeGreaterThanOrEqual(1)
    expect(text).toMatch(/pgleak_finding_info\{target="orders",env="test",kind="idle-in-transaction",application="orders-cron",title="[^"]+",advice="[^"]+"\} 1/)
    expect(value(text, 'pgleak_finding', { target: 'billing', kind: 'idle-in-transaction' })).toBeUndefined()
    // pgleak's own process, read at the scrape.
    expect(value(text, 'pgleak_process_resident_memory_bytes', {})).toBeGreaterThan(0)
    expect(value(text, 'pgleak_process_cpu_seconds_total', {})).toBeGreaterThan(0)
    expect(value(text, 'pgleak_nodejs_eventloop_lag_seconds', {})).toBeGreaterThanOrEqual(0)
    expect(text).toMatch(/# TYPE pgleak_process_cpu_seconds_total counter/)

    // A session closing is counted for churn.
    await stuck.end()
    await waitFor(async () => value(await metrics(), 'pgleak_sessions_closed_total', { target: 'orders', application: 'orders-cron' }) === 1, 5000)

    const findings = (await (await fetch(`http://127.0.0.1:${handle.address.port}/findings?target=orders`)).json()) as {
      up: boolean
      document: { tool: string; findings: Array<{ kind: string; subject: { application: string } }> }
    }
    expect(findings.up).toBe(true)
    expect(findings.document.tool).toBe('pgleak')
    expect(findings.document.findings).toContainEqual(expect.objectContaining({ kind: 'idle-in-transaction', subject: expect.objectContaining({ application: 'orders-cron' }) }))
    const all = (await (await fetch(`http://127.0.0.1:${handle.address.port}/findings`)).json()) as { targets: Array<{ target: string }> }
    expect(all.targets.map((t) => t.target)).toEqual(['orders', 'billing'])
    expect((await fetch(`http://127.0.0.1:${handle.address.port}/findings?target=nope`)).status).toBe(404)
    const health = await fetch(`http://127.0.0.1:${handle.address.port}/healthz`)
    expect([health.status, await health.text()]).toEqual([200, 'ok\n'])
  })

  it('a target that hangs, restarts or refuses is down in its own series and comes back by itself; the others keep their 1 s cadence', { timeout: 90_000 }, async () => {
    handle = await serve({
      targets: [target('orders', orders().url()), target('billing', billing().url()), target('nowhere', 'postgres://pgleak@127.0.0.1:1/none')],
      listen: { host: '127.0.0.1', port: 0 },
      intervalMillis: 1000,
      maxBackoffMillis: 2000,
    })
    await waitFor(async () => value(await metrics(), 'pgleak_up', { target: 'orders' }) === 1 && value(await metrics(), 'pgleak_up', { target: 'billing' }) === 1, 10_000)
    const refused = await metrics()
    expect(value(refused, 'pgleak_up', { target: 'nowhere' })).toBe(0)
    expect(value(refused, 'pgleak_poll_errors_total', { target: 'nowhere' })).toBeGreaterThanOrEqual(1)

    // Hung: the server stopped. Its polls are given up after 12 s; billing's go on each second meanwhile.
    const dataDir = orders().server!.dataDir
    signalServer(dataDir, 'SIGSTOP')
    try {
      const billingBefore = value(await metrics(), 'pgleak_polls_total', { target: 'billing' })!
      const stoppedAt = Date.now()
      await waitFor(async () => value(await metrics(), 'pgleak_up', { target: 'orders' }) === 0, 20_000)
      const seconds = (Date.now() - stoppedAt) / 1000
      const billingPolls = value(await metrics(), 'pgleak_polls_total', { target: 'billing' })! - billingBefore
      // About one a second while orders hung (a poll takes a few ms; 80% leaves room for a loaded machine).
      expect(billingPolls).toBeGreaterThanOrEqual(Math.floor(seconds * 0.8))
      expect(value(await metrics(), 'pgleak_up', { target: 'billing' })).toBe(1)
    } finally {
      signalServer(dataDir, 'SIGCONT')
    }
    await waitFor(async () => value(await metrics(), 'pgleak_up', { target: 'orders' }) === 1, 30_000)

    // Restarted: down while it is, then up again with polls counting, no one restarting pgleak.
    const errorsBeforeRestart = value(await metrics(), 'pgleak_poll_errors_total', { target: 'orders' })!
    await orders().server!.restart()
    const pollsAfterRestart = value(await metrics(), 'pgleak_polls_total', { target: 'orders' })!
    await waitFor(async () => {
      const text = await metrics()
      return value(text, 'pgleak_up', { target: 'orders' }) === 1 && value(text, 'pgleak_polls_total', { target: 'orders' })! > pollsAfterRestart + 2
    }, 30_000)
    // The restart was seen, not slept through: the lost connection counts as an error of its own target.
    expect(value(await metrics(), 'pgleak_poll_errors_total', { target: 'orders' })).toBeGreaterThan(errorsBeforeRestart)
    expect(value(await metrics(), 'pgleak_poll_errors_total', { target: 'billing' })).toBe(0)
    expect(value(await metrics(), 'pgleak_up', { target: 'nowhere' })).toBe(0)
  })

  it('a reload keeps the targets that did not change, starts new ones and stops gone ones', { timeout: 30_000 }, async () => {
    handle = await serve({ targets: [target('orders', orders().url())], listen: { host: '127.0.0.1', port: 0 }, intervalMillis: 300 })
    await waitFor(async () => value(await metrics(), 'pgleak_up', { target: 'orders' }) === 1, 10_000)
    const ordersWatch = handle.watches()[0]
    await handle.reload([target('orders', orders().url()), target('billing', billing().url())])
    expect(handle.watches()[0]).toBe(ordersWatch)
    await waitFor(async () => value(await metrics(), 'pgleak_up', { target: 'billing' }) === 1, 10_000)
    await handle.reload([target('billing', billing().url())])
    await sleep(500)
    const text = await metrics()
    expect(value(text, 'pgleak_up', { target: 'orders' })).toBeUndefined()
    // Its connection is closed, not left behind.
    const pgleakSessions = await orders().admin<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'pgleak'")
    expect(pgleakSessions[0]!.n).toBe(0)
  })
})
