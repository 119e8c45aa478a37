// Behind a real PgBouncer (Debian's package, started by the test in front of
// the test server): the leak the server cannot see, named at the pooler from
// its clients; a client waiting on an exhausted pool, and the session that
// holds its server named from both sides; and a healthy pooled service that
// gives nothing. Each real program runs twice, with different timing.
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { Finding } from '../../src/core/finding.js'
import { DEFAULT_THRESHOLDS } from '../../src/core/thresholds.js'
import { SUPERUSER, SUPERUSER_PASSWORD } from '../../src/demo/embedded-server.js'
import { analyzeRecording } from '../../src/analyze-recording.js'
import { audit } from '../../src/audit.js'
import { serve } from '../../src/serve.js'
import { targetsFromFile } from '../../src/serve/serve-targets.js'
import { watch } from '../../src/watch.js'
import { waitFor } from '../support/run-cli.js'
import { NO_PGBOUNCER, pgbouncerBinary, TestPgbouncer, type PgbouncerOptions } from '../support/pgbouncer.js'
import { useTestDatabase } from '../support/test-database.js'
import { recordDiagnosis } from './diagnose.js'
import { startProgram, type ProgramSpec } from './run-program.js'

const pythonEnv = inject('pythonEnv')
const python = 'python' in pythonEnv ? pythonEnv.python : undefined
const hasPgbouncer = pgbouncerBinary() !== undefined
const skipped = hasPgbouncer ? '' : ` [skipped: ${NO_PGBOUNCER}]`
const noPython = python ? '' : ` [skipped: ${'missing' in pythonEnv ? pythonEnv.missing : 'no python'}]`

/** A PgBouncer in front of the test file's server for the tests of one describe block. */
function usePgbouncer(db: () => { server: { port: number } | undefined }, options: Omit<PgbouncerOptions, 'serverPort' | 'user' | 'password'>): () => TestPgbouncer {
  let bouncer: TestPgbouncer | undefined
  beforeAll(async () => {
    if (!hasPgbouncer || !db().server) return
    bouncer = await TestPgbouncer.start({ ...options, serverPort: db().server!.port, user: SUPERUSER, password: SUPERUSER_PASSWORD })
  })
  afterAll(async () => bouncer?.stop())
  return () => {
    if (!bouncer) throw new Error('PgBouncer did not start')
    return bouncer
  }
}

/** Watches the server through the pooler while `spec` runs through it; the first time each finding was seen, in seconds from the program's start. */
async function watchThroughPooler(serverUrl: string, bouncer: TestPgbouncer, spec: ProgramSpec, watchSeconds: number) {
  let program: ReturnType<typeof startProgram> | undefined
  const first = new Map<string, { seconds: number; finding: Finding }>()
  try {
    const result = await watch({
      dsn: serverUrl,
      pgbouncer: [bouncer.url('pgbouncer')],
      intervalMillis: 1000,
      durationMillis: watchSeconds * 1000,
      onEvent: (event) => {
        if (event.type === 'connected' && !program) program = startProgram(spec, bouncer.url(), python)
        if (event.type !== 'sample' || !program) return
        const seconds = Math.round((Date.now() - program.startedAtMillis) / 100) / 10
        for (const finding of event.update.current) if (!first.has(finding.kind)) first.set(finding.kind, { seconds, finding })
      },
    })
    const output = program ? await program.stop() : ''
    return { result, first, output }
  } finally {
    await program?.stop()
  }
}

describe('an engine per call through PgBouncer in session mode (default_pool_size 10, max_client_conn 20)', () => {
  const db = useTestDatabase({ settings: { max_connections: 40 } })
  const bouncer = usePgbouncer(db, { poolMode: 'session', defaultPoolSize: 10, maxClientConn: 20 })
  const RUNS = [
    { variant: 'a call every 0.7 s', period: '0.7' },
    { variant: 'a call every 0.4 s', period: '0.4' },
  ]
  for (const run of RUNS) {
    it.skipIf(!hasPgbouncer || !python)(`the leak the server cannot see is named at the pooler, by application, within 20 s (${run.variant})${skipped}${noPython}`, { timeout: 90_000 }, async () => {
      const spec: ProgramSpec = { script: 'python/report_engine_per_call.py', application: 'report-svc', env: { PERIOD: run.period }, durationSeconds: 40 }
      const { first, output, result } = await watchThroughPooler(db().url(), bouncer(), spec, 30)
      const growth = first.get('pooler-client-growth')
      await recordDiagnosis({ program: 'engine per call through PgBouncer (session mode)', variant: run.variant, expected: 'pooler-client-growth report-svc', seconds: growth?.seconds ?? null, serverFullSeconds: null, falseAlarms: [] })
      expect(growth, output).toBeDefined()
      expect(growth!.seconds).toBeLessThanOrEqual(20)
      const finding = result.findings.find((f) => f.kind === 'pooler-client-growth')!
      expect(finding.subject.application).toBe('report-svc')
      expect(finding.kind === 'pooler-client-growth' && finding.evidence).toMatchObject({ group: 'report-svc', maxClientConn: 20, serverConnections: 10 })
      expect(finding.kind === 'pooler-client-growth' && finding.evidence.clients).toBeGreaterThanOrEqual(15)
      expect(finding.advice).toContain('no more connections allowed (max_client_conn)')
      // The pooler's own limits are named too: its clients waited for a server, then it filled.
      const exhaustion = result.findings.filter((f) => f.kind === 'pool-exhaustion')
      expect(exhaustion.map((f) => f.title)).toEqual(expect.arrayContaining([expect.stringMatching(/^PgBouncer pool postgres\/postgres is exhausted: \d+ clients? waiting/)]))
    })
  }
})

describe('a client waiting on an exhausted pool (session mode, default_pool_size 2)', () => {
  const db = useTestDatabase()
  const bouncer = usePgbouncer(db, { poolMode: 'session', defaultPoolSize: 2, maxClientConn: 50 })

  it.skipIf(!hasPgbouncer)(`pool-exhaustion at the pooler, and the session holding a server named from both sides${skipped}`, { timeout: 60_000 }, async () => {
    const clients: pg.Client[] = []
    const open = async (application: string): Promise<pg.Client> => {
      const client = new pg.Client({ connectionString: bouncer().url(), application_name: application })
      client.on('error', () => {})
      clients.push(client)
      await client.connect()
      return client
    }
    try {
      // Two clients take both servers; one of them leaves its transaction open.
      const holder = await open('billing-worker')
      await holder.query('BEGIN')
      await holder.query('SELECT 1')
      await (await open('billing-worker')).query('SELECT 1')
      // The third waits at the pooler for a server that never comes.
      const waiting = await open('billing-api').catch(() => undefined)
      void waiting?.query('SELECT 1').catch(() => undefined)
      const recording = join(await mkdtemp(join(tmpdir(), 'pgleak-pooler-')), 'watch.ndjson')
      const result = await watch({
        dsn: db().url(),
        pgbouncer: [bouncer().url('pgbouncer')],
        intervalMillis: 500,
        durationMillis: 6000,
        recordPath: recording,
        thresholds: { ...DEFAULT_THRESHOLDS, idleInTransactionSeconds: 2 },
      })
      const exhausted = result.findings.find((f) => f.kind === 'pool-exhaustion' && f.subject.pool === 'postgres/postgres')
      expect(exhausted?.title).toMatch(/^PgBouncer pool postgres\/postgres is exhausted: 1 client waiting for a server, the longest \d+ s; all 2 of its server connections are held$/)
      expect(exhausted?.kind === 'pool-exhaustion' && exhausted.evidence.pooler).toMatchObject({ clientsWaiting: 1, serverConnections: 2, poolMode: 'session' })
      const idle = result.findings.find((f) => f.kind === 'idle-in-transaction')
      const [backendPid] = idle?.pids ?? []
      expect(idle?.title).toContain(`(backend pid ${backendPid}, held through PgBouncer by billing-worker at 127.0.0.1:`)
      expect(idle?.poolerClients).toEqual([expect.objectContaining({ backendPid, application: 'billing-worker', clientAddr: '127.0.0.1', clientState: 'active' })])

      // The recording keeps the pooler's looks: its replay names the same.
      const replayed = await analyzeRecording(recording)
      expect(replayed.findings.find((f) => f.kind === 'pool-exhaustion' && f.subject.pool === 'postgres/postgres')?.title).toMatch(/^PgBouncer pool postgres\/postgres is exhausted: 1 client waiting/)
      expect(replayed.findings.find((f) => f.kind === 'idle-in-transaction')?.title).toContain('held through PgBouncer by billing-worker')

      // audit looks twice through the pooler and says the same, with what the pooler holds.
      const report = await audit({ dsn: db().url(), pgbouncer: [bouncer().url('pgbouncer')] })
      expect(report.findings.find((f) => f.kind === 'pool-exhaustion' && f.subject.pool === 'postgres/postgres')).toBeDefined()
      expect(report.poolers?.[0]).toMatchObject({ maxClientConn: 50, clientsByGroup: expect.arrayContaining([{ group: 'billing-worker', clients: 2 }, { group: 'billing-api', clients: 1 }]) })

      // serve, with the pooler named in its targets file, exposes the same verdict for Prometheus.
      const targetsFile = join(await mkdtemp(join(tmpdir(), 'pgleak-pooler-serve-')), 'targets.json')
      await writeFile(targetsFile, JSON.stringify([{ name: 'billing', dsn: db().url(), pgbouncer: bouncer().url('pgbouncer') }]))
      const handle = await serve({ targets: targetsFromFile(targetsFile, {}), listen: { host: '127.0.0.1', port: 0 }, intervalMillis: 500 })
      try {
        const exposed = async (): Promise<string> => (await fetch(`http://127.0.0.1:${handle.address.port}/metrics`)).text()
        await waitFor(async () => (await exposed()).includes('pgleak_finding{target="billing",kind="pool-exhaustion",severity="error",application=""} 1'), 15_000)
        expect(await exposed()).toMatch(/pgleak_finding_info\{target="billing",kind="pool-exhaustion",application="",title="PgBouncer pool postgres\/postgres is exhausted: 1 client waiting/)
      } finally {
        await handle.close()
      }
    } finally {
      await Promise.all(clients.map((c) => c.end().catch(() => undefined)))
    }
  })
})

describe('a healthy service through PgBouncer in transaction mode', () => {
  const db = useTestDatabase({ settings: { max_connections: 40 } })
  const bouncer = usePgbouncer(db, { poolMode: 'transaction', defaultPoolSize: 10, maxClientConn: 100 })
  const RUNS = [
    { variant: '4 workers every 0.2 s, bursts of 8 every 5 s', env: { WORKERS: '4', PERIOD: '0.2', BURST: '8', BURST_EVERY: '5' } },
    { variant: '8 workers every 0.05 s, bursts of 14 every 3 s', env: { WORKERS: '8', PERIOD: '0.05', BURST: '14', BURST_EVERY: '3' } },
  ]
  for (const run of RUNS) {
    it.skipIf(!hasPgbouncer || !python)(`gives no finding at warning or above (${run.variant})${skipped}${noPython}`, { timeout: 90_000 }, async () => {
      const spec: ProgramSpec = { script: 'python/pooled_service.py', application: 'pooled-svc', env: run.env, durationSeconds: 30 }
      const { result, output } = await watchThroughPooler(db().url(), bouncer(), spec, 25)
      expect(output).not.toMatch(/Error/)
      const alarms = result.findings.filter((f) => f.severity !== 'info').map((f) => `${f.kind}: ${f.title}`)
      await recordDiagnosis({ program: 'healthy QueuePool through PgBouncer (transaction mode)', variant: run.variant, expected: 'nothing at warning or above', seconds: null, serverFullSeconds: null, falseAlarms: alarms })
      expect(alarms).toEqual([])
      // It was seen: its clients were at the pooler.
      const pooler = result.monitor.poolers.poolers()[0]
      expect(pooler?.latest.pools.some((p) => p.database === 'postgres')).toBe(true)
    })
  }
})
