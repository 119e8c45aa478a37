// pgleak check wrapping real commands against a real server.
import { spawn } from 'node:child_process'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { XMLParser, XMLValidator } from 'fast-xml-parser'
import { afterEach, describe, expect, it } from 'vitest'
import { BIN, runCli, waitFor } from '../support/run-cli.js'
import { openIdleSessions } from '../support/sessions.js'
import { useTestDatabase } from '../support/test-database.js'

function script(name: string): string {
  return fileURLToPath(new URL(`../fixtures/check-commands/${name}`, import.meta.url))
}

interface JsonFinding {
  kind: string
  severity: string
  title: string
  subject: { application: string | null }
  evidence: Record<string, unknown>
}

describe('pgleak check -- command', () => {
  const db = useTestDatabase()
  const env = (): NodeJS.ProcessEnv => ({ DATABASE_URL: db().url() })
  let workerPidFile: string | undefined

  afterEach(async () => {
    if (!workerPidFile) return
    const pid = Number(await readFile(workerPidFile, 'utf8').catch(() => '0'))
    if (pid > 0) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // already gone
      }
    }
    workerPidFile = undefined
  })

  it('keeps stdout for the one JSON document: the command\'s own output goes to stderr', async () => {
    const result = await runCli(['check', '--json', '--', process.execPath, '-e', "console.log('Ran 12 tests in 0.4s'); console.log('OK')"], env())
    expect(result.exitCode).toBe(0)
    expect(JSON.parse(result.stdout)).toMatchObject({ tool: 'pgleak', command: { exitCode: 0 } })
    expect(result.stderr).toContain('Ran 12 tests in 0.4s')
  })

  it('says --output must name a file when it names a folder, in one line', async () => {
    const result = await runCli(['check', '--format', 'junit', '--output', tmpdir(), '--', process.execPath, '-e', ''], env())
    expect(result.exitCode).toBe(2)
    expect(result.stderr.trimEnd().split('\n').at(-1)).toMatch(/^pgleak: cannot write .*: EISDIR.*\. Give --output a file name, not a folder/)
  })

  it('ends what the command left running in the background, and says so', async () => {
    const started = Date.now()
    const result = await runCli(['check', '--json', '--', 'sh', '-c', 'sleep 38 & sleep 1'], env())
    expect(Date.now() - started).toBeLessThan(20_000)
    const left = JSON.parse(result.stdout).command.leftoverProcesses as { pid: number; command: string }[]
    expect(left).toEqual([expect.objectContaining({ command: 'sleep 38' })])
    expect(() => process.kill(left[0]!.pid, 0)).toThrow()
    expect(result.stderr).toMatch(/left running after it exited, and ended by pgleak: pid \d+ sleep 38/)
  })

  it("masks the passwords in the wrapped command's arguments in every report, the DSN's own among them", async () => {
    const password = decodeURIComponent(new URL(db().url()).password)
    const argv = [process.execPath, '-e', 'process.exit(0)', db().url(), 'PGPASSWORD=other-secret', password]
    const json = await runCli(['check', '--json', '--', ...argv], env())
    expect(json.exitCode).toBe(0)
    const document = JSON.parse(json.stdout)
    expect(document.command.argv.slice(3)).toEqual([db().url().replace(`:${encodeURIComponent(password)}@`, ':***@'), 'PGPASSWORD=***', '***'])
    for (const format of ['markdown', 'junit', 'github']) {
      const report = await runCli(['check', '--format', format, '--', ...argv], env())
      expect(report.stdout + report.stderr).not.toContain(password)
      expect(report.stdout + report.stderr).not.toContain('other-secret')
    }
    const text = await runCli(['check', '--', ...argv], env())
    expect(text.stdout + text.stderr).not.toContain(password)
  })

  it('fails a suite that opens a pool per test and never closes them, naming its application', async () => {
    const result = await runCli(['check', '--json', '--', process.execPath, script('pool-per-test.mjs')], env())
    expect(result.exitCode).toBe(1)
    // With --json, stdout is the document alone.
    const document = JSON.parse(result.stdout)
    const failing = (document.findings as JsonFinding[]).filter((f) => f.severity !== 'info')
    expect(failing.map((f) => f.kind)).toContain('connection-growth')
    expect(failing.every((f) => f.subject.application === 'leaky-suite')).toBe(true)
    expect(document.command).toMatchObject({ exitCode: 0, status: 0 })
    expect(result.stderr).toMatch(/pgleak check FAILED/)
    expect(result.stderr).toMatch(/leaky-suite piled up \d+ connections during the run/)
    // The command's own output went through untouched, to stderr.
    expect(result.stderr).toContain('ok 15 - test 15')
  })

  it('passes the same suite when each test closes its pool', async () => {
    const result = await runCli(['check', '--', process.execPath, script('pool-per-test.mjs'), '--close'], env())
    expect(result.stderr).toMatch(/pgleak check passed/)
    expect(result.exitCode).toBe(0)
  })

  it('fails a command that leaves a background process holding connections, and lists them', async () => {
    workerPidFile = join(await mkdtemp(join(tmpdir(), 'pgleak-check-')), 'worker.pid')
    const result = await runCli(['check', '--json', '--settle', '2s', '--', process.execPath, script('starts-background-worker.mjs')], {
      ...env(),
      PGLEAK_TEST_PID_FILE: workerPidFile,
    })
    expect(result.exitCode).toBe(1)
    const document = JSON.parse(result.stdout)
    const leftover = (document.findings as JsonFinding[]).find((f) => f.kind === 'leftover-connections')
    expect(leftover).toMatchObject({ severity: 'error', subject: { application: 'background-worker' }, evidence: { connections: 2 } })
    const sessions = leftover!.evidence.sessions as { application: string; state: string; lastQuery: string }[]
    expect(sessions).toEqual([
      expect.objectContaining({ application: 'background-worker', state: 'idle', lastQuery: 'SELECT 1' }),
      expect.objectContaining({ application: 'background-worker', state: 'idle', lastQuery: 'SELECT 1' }),
    ])
    expect(result.stderr).toMatch(/2 connections opened during the run are still open after it \(background-worker\)/)
  })

  it('fails a command that goes over --max-connections, with the peak', async () => {
    const result = await runCli(['check', '--max-connections', '5', '--format', 'json', '--', process.execPath, script('many-connections.mjs'), '8'], env())
    expect(result.exitCode).toBe(1)
    const document = JSON.parse(result.stdout)
    const budget = (document.findings as JsonFinding[]).find((f) => f.kind === 'headroom')
    expect(budget).toMatchObject({ severity: 'error', subject: { application: 'greedy-suite' }, evidence: { scope: 'budget', connections: 8, limit: 5 } })
    expect(budget?.evidence.holders).toEqual([expect.objectContaining({ group: 'greedy-suite', connections: 8 })])
    expect(document.peakConnections).toBe(8)
    // Each check's outcome: the budget given is judged (and failed); the pool checks had no pool log.
    const checks = document.checks as { name: string; status: string; reason?: string }[]
    expect(checks.find((c) => c.name === 'max-connections')).toEqual({ name: 'max-connections', status: 'failed' })
    expect(checks.find((c) => c.name === 'pool-imbalance')).toEqual({ name: 'pool-imbalance', status: 'skipped', reason: 'no pool log: give --pool-log' })
    expect(checks.find((c) => c.name === 'headroom')?.status).toBe('passed')
  })

  it('with --pool-log, names the test that checked out a client and never released it', async () => {
    const poolLog = join(await mkdtemp(join(tmpdir(), 'pgleak-check-')), 'pool.jsonl')
    const result = await runCli(['check', '--json', '--settle', '1s', '--pool-log', poolLog, '--', process.execPath, script('leaks-a-pool-client.mjs')], { ...env(), PGLEAK_POOL_LOG: poolLog })
    expect(result.exitCode).toBe(1)
    const document = JSON.parse(result.stdout)
    const imbalance = (document.findings as JsonFinding[]).find((f) => f.kind === 'pool-imbalance')
    expect(imbalance).toMatchObject({ severity: 'warning', subject: { pool: 'suite-pool' }, evidence: { unreturnedCount: 1, checkouts: 4, checkins: 3 } })
    expect(imbalance?.title).toMatch(/suite-pool: 1 checkout never returned by testRefundFailsCleanly/)
  })

  it("passes on the wrapped command's own exit code when it fails", async () => {
    const result = await runCli(['check', '--', process.execPath, '-e', 'process.exit(7)'], env())
    expect(result.exitCode).toBe(7)
    expect(result.stderr).toMatch(/no leaks; the command failed/)
    expect(result.stderr).toMatch(/→ exit 7 after/)
  })

  it('forwards SIGINT to the command, then reports, exiting as a shell would for the signal', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgleak-check-'))
    const marker = join(dir, 'started')
    const child = spawn(
      process.execPath,
      [BIN, 'check', '--', process.execPath, '-e', `require('fs').writeFileSync(${JSON.stringify(marker)}, 'x'); setInterval(() => {}, 1000)`],
      { env: { PATH: process.env.PATH, NO_COLOR: '1', DATABASE_URL: db().url() }, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
    await waitFor(async () => (await readFile(marker, 'utf8').catch(() => '')) === 'x')
    child.kill('SIGINT')
    expect(await exited).toBe(130)
    expect(stderr).toMatch(/→ killed by SIGINT after/)
  })

  it('writes JUnit XML with a test case per check, the failing one marked', async () => {
    const output = join(await mkdtemp(join(tmpdir(), 'pgleak-check-')), 'pgleak.xml')
    const result = await runCli(['check', '--format', 'junit', '--output', output, '--', process.execPath, script('pool-per-test.mjs')], env())
    expect(result.exitCode).toBe(1)
    const xml = await readFile(output, 'utf8')
    expect(XMLValidator.validate(xml)).toBe(true)
    const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml)
    const cases = parsed.testsuites.testsuite.testcase as { name: string; failure?: { message: string }; skipped?: { message: string } }[]
    expect(cases.map((c) => c.name)).toEqual([
      'leftover-connections',
      'connection-growth',
      'abandoned-connections',
      'max-connections',
      'headroom',
      'idle-in-transaction',
      'churn',
      'pool-imbalance',
      'pool-exhaustion',
      'multiple-pools',
      'config',
      'command',
    ])
    expect(cases.filter((c) => c.failure).map((c) => c.name)).toEqual(['connection-growth'])
    expect(cases.find((c) => c.name === 'connection-growth')?.failure?.message).toMatch(/leaky-suite piled up/)
    // Checks with nothing to judge (no --max-connections, no pool log) are skipped, not passed.
    expect(cases.filter((c) => c.skipped).map((c) => [c.name, c.skipped!.message])).toEqual([
      ['max-connections', 'no budget: give --max-connections'],
      ['pool-imbalance', 'no pool log: give --pool-log'],
      ['pool-exhaustion', 'no pool log or PgBouncer: give --pool-log or --pgbouncer'],
      ['multiple-pools', 'no pool log: give --pool-log'],
    ])
    expect(parsed.testsuites.testsuite.skipped).toBe('4')
  })

  it('under GitHub Actions prints ::error annotations and appends a job summary', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgleak-check-'))
    const summary = join(dir, 'summary.md')
    await writeFile(join(dir, 'pgleak.config.json'), JSON.stringify({ settle: '1s' }))
    const result = await runCli(['check', '--', process.execPath, script('pool-per-test.mjs')], { ...env(), GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary }, dir)
    expect(result.exitCode).toBe(1)
    const annotation = result.stdout.split('\n').find((line) => line.startsWith('::error '))
    expect(annotation).toMatch(/^::error file=pgleak\.config\.json,title=pgleak connection-growth%3A leaky-suite piled up \d+ connections during the run \(\+[\d.]+\/min\) and never gave them back::\+[\d.]+\/min since /)
    expect(annotation).toContain('%0A')
    const markdown = await readFile(summary, 'utf8')
    expect(markdown).toMatch(/^## pgleak check: ❌ connection leaks found/)
    expect(markdown).toContain('| connection-growth | ❌ failed |')
    expect(markdown).toContain('| headroom | ✅ passed |')
    expect(markdown).toContain('| max-connections | ⏭️ skipped: no budget: give --max-connections |')
    expect(markdown).toContain('| pool-imbalance | ⏭️ skipped: no pool log: give --pool-log |')
    // The run's connections as a chart GitHub draws: the staircase of a connection leaked per test.
    const chart = /```mermaid\nxychart-beta\n[\s\S]*?\n {4}line \[([\d, ]+)\]\n```/.exec(markdown)
    expect(chart, markdown).not.toBeNull()
    const counts = chart![1]!.split(', ').map(Number)
    const peak = Number(/peak (\d+) connections/.exec(markdown)![1])
    expect(Math.max(...counts)).toBe(peak)
    expect(counts.findIndex((c) => c === peak)).toBeGreaterThan(counts.findIndex((c) => c > 0))
  })
})

describe('pgleak check without a command', () => {
  const db = useTestDatabase()

  it('judges the database as it is against the thresholds', async () => {
    await openIdleSessions(db(), 3, { application: 'web' })
    const healthy = await runCli(['check', '--dsn', db().url()])
    expect(healthy.exitCode).toBe(0)
    const strict = await runCli(['check', '--dsn', db().url(), '--max-usage', '2%', '--json'])
    expect(strict.exitCode).toBe(1)
    expect(JSON.parse(strict.stdout).findings[0]).toMatchObject({ kind: 'headroom', severity: 'error', evidence: { connections: 3 } })
    // Usage warns at --max-usage unless --warn-usage says otherwise; a warning fails the gate.
    const early = await runCli(['check', '--dsn', db().url(), '--warn-usage', '2%', '--json'])
    expect(early.exitCode).toBe(1)
    expect(JSON.parse(early.stdout).findings[0]).toMatchObject({ kind: 'headroom', severity: 'warning' })
  })
})

describe('pgleak check configuration', () => {
  it('reads thresholds from package.json, and names an unknown key as a usage error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgleak-config-'))
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'app', pgleak: { maxIdleInTransation: '60s' } }))
    const unknown = await runCli(['check', '--dsn', 'postgres://nobody@127.0.0.1:1/x'], {}, dir)
    expect(unknown.exitCode).toBe(2)
    expect(unknown.stderr).toMatch(/^pgleak: package\.json: unknown key "maxIdleInTransation" \(did you mean "maxIdleInTransaction"\?\)/)

    await writeFile(join(dir, 'pgleak.config.json'), JSON.stringify({ maxUsage: 'lots' }))
    const bad = await runCli(['check', '--dsn', 'postgres://nobody@127.0.0.1:1/x'], {}, dir)
    expect(bad.exitCode).toBe(2)
    expect(bad.stderr).toMatch(/^pgleak: pgleak\.config\.json: "maxUsage": 'lots' is not a percentage/)
  })
})
