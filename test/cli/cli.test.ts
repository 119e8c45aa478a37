// The built command as users run it: help, exit codes, one-line errors, no secrets.
import { spawn } from 'node:child_process'
import { chmod, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { gzipSync } from 'node:zlib'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { freePort } from '../../src/demo/embedded-server.js'
import { BIN, runCli, sleep, type CliResult } from '../support/run-cli.js'
import { openBlockingPair, openIdleSessions } from '../support/sessions.js'
import { useTestDatabase } from '../support/test-database.js'

function expectOneLineError(result: CliResult, exitCode: number, pattern: RegExp): void {
  expect(result.exitCode).toBe(exitCode)
  expect(result.stdout).toBe('')
  const lines = result.stderr.trimEnd().split('\n')
  expect(lines).toHaveLength(1)
  expect(lines[0]).toMatch(/^pgleak: /)
  expect(lines[0]).toMatch(pattern)
  expect(result.stderr).not.toMatch(/\n\s+at /)
}

describe('pgleak without a server', () => {
  it('prints a help that names each command with an example', async () => {
    const result = await runCli(['--help'])
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toMatch(/audit .*one-off report/)
    expect(result.stdout).toContain('$ pgleak audit --dsn')
    expect(result.stdout).toContain('Exit codes:')
  })

  it("writes every default as the README does: durations with units, no JSON, no 'false'", async () => {
    const watch = (await runCli(['watch', '--help'])).stdout.replace(/\s+/g, ' ')
    expect(watch).toContain('time between polls (default: 1s)')
    expect(watch).toContain('(comma-separated) (default: app)')
    expect(watch).toMatch(/longer than this \(default: 30s\)/)
    expect(watch).toMatch(/share of a limit \(default: 75%\)/)
    const check = (await runCli(['check', '--help'])).stdout.replace(/\s+/g, ' ')
    expect(check).toContain('(default: 500ms)')
    for (const help of [watch, check, (await runCli(['analyze', '--help'])).stdout, (await runCli(['serve', '--help'])).stdout]) {
      expect(help).not.toMatch(/default: (false|\[|")/)
    }
  })

  it('reads logs in the format --log-format names, and --format, its old name, with a note', async () => {
    const log = new URL('../fixtures/pool-logs/sqlalchemy/f1-connection-per-request.log', import.meta.url).pathname
    const help = (await runCli(['analyze', '--help'])).stdout
    expect(help).toContain('--log-format <name>')
    expect(help).not.toMatch(/^\s+--format/m)
    const named = await runCli(['analyze', '--log-format', 'sqlalchemy', '--json', log])
    expect(JSON.parse(named.stdout).logs[0].format).toBe('sqlalchemy')
    expect(named.stderr).toBe('')
    const old = await runCli(['analyze', '--format', 'sqlalchemy', '--json', log])
    expect(JSON.parse(old.stdout).logs[0].format).toBe('sqlalchemy')
    expect(old.stderr).toMatch(/analyze --format is now --log-format/)
    // Named wrong, the lines are not understood: the name is used, not detection.
    const wrong = await runCli(['analyze', '--log-format', 'hikaricp', '--json', log])
    expect(JSON.parse(wrong.stdout).logs[0].format).toBe('hikaricp')
  })

  it('charts one report per --html file, says which input it left out, and loses nothing to a bad --html path', async () => {
    const recording = (name: string): string => new URL(`../fixtures/recordings/${name}`, import.meta.url).pathname
    const dir = await mkdtemp(join(tmpdir(), 'pgleak-html-cli-'))
    const two = await runCli(['analyze', recording('growth-every-5s.ndjson'), recording('steady-pool.ndjson'), '--html', join(dir, 'r.html')])
    expect(two.stdout.match(/pgleak analyze /g)).toHaveLength(2)
    expect(two.stderr).toMatch(/--html holds one report: .*steady-pool\.ndjson is reported above but not charted/)
    const { stat } = await import('node:fs/promises')
    expect((await stat(join(dir, 'r.html'))).size).toBeGreaterThan(1000)
    // A folder where the file should go: the summary is printed first, then one line saying what to do.
    const folder = await runCli(['analyze', recording('growth-every-5s.ndjson'), '--html', dir])
    expect(folder.stdout).toMatch(/pgleak analyze /)
    expect(folder.stderr.trimEnd().split('\n').at(-1)).toMatch(/^pgleak: cannot write .*Give --html a file name, not a folder: --html pgleak\.html\.$/)
    expect(folder.stderr).not.toMatch(/\n\s+at /)
  })

  it('stops quietly when the reader closes its output early, as `pgleak --help | head -1` does', async () => {
    // The help is written in one go: a pipe closed before the write makes it fail with EPIPE.
    const child = spawn(process.execPath, [BIN, 'demo', '--help'], { stdio: ['ignore', 'pipe', 'pipe'] })
    child.stdout.destroy()
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const exitCode = await new Promise<number | null>((resolve) => child.on('close', resolve))
    expect(stderr).toBe('')
    expect(exitCode).toBe(0)
  })

  it('never shows a stack trace for malformed input: a bad percent-escape, a folder, times out of range', async () => {
    expectOneLineError(await runCli(['audit', '--dsn', 'postgres://ap%zzp:secret-pw@127.0.0.1:1/shop']), 3, /the connection URL's user name has a malformed percent-escape\. A % must be followed by two hex digits/)
    expectOneLineError(await runCli(['audit'], { DATABASE_URL: 'postgres://app:p%zz@127.0.0.1:1/shop' }), 3, /the connection URL's password has a malformed percent-escape/)
    const dir = await mkdtemp(join(tmpdir(), 'pgleak-cli-'))
    expectOneLineError(await runCli(['analyze', dir]), 2, /cannot read .*: not a file\. Give a pool or server log .* for a folder of logs, name its files/)
    const cut = join(dir, 'cut.log.gz')
    await writeFile(cut, gzipSync('2026-11-29 10:00:00,001 INFO app hello\n'.repeat(50)).subarray(0, 30))
    expectOneLineError(await runCli(['analyze', cut]), 2, /cannot read .*cut\.log\.gz: unexpected end of file\. The gzip file is cut short or damaged/)
    // A JSON line whose time no date can hold is an unreadable line, counted, never a crash when a finding prints it.
    const outOfRange = join(dir, 'pool.jsonl')
    await writeFile(outOfRange, ['{"time":1e20,"event":"checkout","pool":"p","connection":"a"}', '{"time":1700000000000,"event":"checkout","pool":"p","connection":"b"}'].join('\n') + '\n')
    const analyzed = await runCli(['analyze', outOfRange, '--json'])
    expect(analyzed.stderr).toBe('')
    expect(JSON.parse(analyzed.stdout).logs[0]).toMatchObject({ events: 1, skippedLines: 1, firstSkippedLines: [1] })
  })

  it('prints its version', async () => {
    const result = await runCli(['--version'])
    expect(result).toMatchObject({ exitCode: 0, stdout: expect.stringMatching(/^\d+\.\d+\.\d+\n$/) })
  })

  it('rejects a bad flag with one line and exit 2', async () => {
    expectOneLineError(await runCli(['audit', '--bogus']), 2, /unknown option '--bogus'/)
  })

  it('rejects a bad flag value with one line naming the flag and exit 2', async () => {
    expectOneLineError(await runCli(['audit', '--max-idle-in-transaction', 'soon']), 2, /--max-idle-in-transaction.*'soon' is not a duration/)
    expectOneLineError(await runCli(['audit', '--group-by', 'app,colour']), 2, /'colour' is not a grouping/)
    expectOneLineError(await runCli(['audit', '--fail-on', 'fatal']), 2, /info, warning, error/)
  })

  it('says the server refused, with exit 3', async () => {
    const port = await freePort()
    const result = await runCli(['audit', '--dsn', `postgres://app:hunter2@127.0.0.1:${port}/shop`])
    expectOneLineError(result, 3, new RegExp(`cannot connect to app@127.0.0.1:${port}/shop: connection refused\\. Is PostgreSQL running`))
    expect(result.stderr).not.toContain('hunter2')
  })

  it('says a host name does not resolve, with exit 3', async () => {
    expectOneLineError(await runCli(['audit', '--dsn', 'postgres://app@no-such-host.invalid/shop']), 3, /no-such-host\.invalid.*(does not resolve|does not answer|connect timeout)/)
  })

  it('says what is wrong with a malformed DSN, with exit 3', async () => {
    expectOneLineError(await runCli(['audit', '--dsn', 'postgres://app:pw@db:port/x']), 3, /cannot be parsed/)
  })
})

describe('pgleak audit against a server', () => {
  const db = useTestDatabase()

  it('says the password was wrong, with exit 3 and without echoing it', async () => {
    const result = await runCli(['audit', '--dsn', db().url({ password: 'not-the-password' })])
    expectOneLineError(result, 3, /password authentication failed for user "postgres"\. Check the user and password/)
    expect(result.stderr).not.toContain('not-the-password')
  })

  it("with --debug, adds the driver's own words, still without the password", async () => {
    const result = await runCli(['--debug', 'audit', '--dsn', db().url({ password: 'not-the-password' })])
    expect(result.exitCode).toBe(3)
    expect(result.stderr).toMatch(/^pgleak: cause: 28P01: password authentication failed/m)
    expect(result.stderr).not.toContain('not-the-password')
  })

  it('says a PgBouncer that cannot be reached is the pooler, not the server, with exit 3', async () => {
    const port = await freePort()
    const result = await runCli(['audit', '--dsn', db().url(), '--pgbouncer', `postgres://stats:secret-pooler-pw@127.0.0.1:${port}/pgbouncer`])
    expectOneLineError(result, 3, /^pgleak: PgBouncer: cannot connect to stats@127\.0\.0\.1:\d+\/pgbouncer: connection refused\. Is PgBouncer running there\? Check --pgbouncer's host and port/)
    expect(result.stderr).not.toContain('secret-pooler-pw')
  })

  it('says the database does not exist, with exit 3', async () => {
    expectOneLineError(await runCli(['audit', '--dsn', db().url({ database: 'nope' })]), 3, /database "nope" does not exist/)
  })

  it('takes the connection from DATABASE_URL and from the libpq variables', async () => {
    const url = new URL(db().url())
    const fromUrl = await runCli(['audit', '--json'], { DATABASE_URL: url.toString() })
    expect(fromUrl.exitCode).toBe(0)
    const fromPgVariables = await runCli(['audit', '--json'], {
      PGHOST: url.hostname,
      PGPORT: url.port,
      PGUSER: 'postgres',
      PGPASSWORD: decodeURIComponent(url.password),
      PGDATABASE: 'postgres',
    })
    expect(fromPgVariables.exitCode).toBe(0)
    expect(JSON.parse(fromPgVariables.stdout).server.target).toBe(`postgres@${url.hostname}:${url.port}/postgres`)
  })

  it('says why ~/.pgpass was not used when others can read it, as libpq ignores such a file', async () => {
    const url = new URL(db().url())
    const dir = await mkdtemp(join(tmpdir(), 'pgleak-pgpass-'))
    const pgpass = join(dir, 'pgpass')
    await writeFile(pgpass, `${url.hostname}:${url.port}:*:postgres:${decodeURIComponent(url.password)}\n`, { mode: 0o644 })
    await chmod(pgpass, 0o644)
    const env = { PGPASSFILE: pgpass, PGHOST: url.hostname, PGPORT: url.port, PGUSER: 'postgres', PGDATABASE: 'postgres' }
    const ignored = await runCli(['audit', '--json'], env)
    expectOneLineError(ignored, 3, new RegExp(`the server asks for a password and none was given\\. Put it in the DSN, PGPASSWORD or ~/\\.pgpass\\. ${pgpass.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is ignored: others can read it \\(mode 0644\\); chmod 600`))
    await chmod(pgpass, 0o600)
    expect((await runCli(['audit', '--json'], env)).exitCode).toBe(0)
  })

  it("never shows a password another session set with ALTER ROLE, --redact or not", async () => {
    await db().admin(`DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'rotated') THEN CREATE ROLE rotated LOGIN; END IF; END $$`)
    const session = await db().openSession({ application: 'password-rotation' })
    await session.query('BEGIN')
    await session.query("ALTER ROLE rotated PASSWORD 'hunter2-rotated'")
    // Left idle in its transaction, the statement stays its last query in pg_stat_activity.
    await new Promise((resolve) => setTimeout(resolve, 1100))
    const result = await runCli(['audit', '--json', '--max-idle-in-transaction', '1s', '--dsn', db().url()])
    expect(result.stdout).not.toContain('hunter2-rotated')
    expect(result.stdout).toContain("ALTER ROLE rotated PASSWORD '***'")
  })

  it('exits 0 with no finding above info on a healthy server', async () => {
    await openIdleSessions(db(), 3, { application: 'web' })
    const result = await runCli(['audit', '--json', '--dsn', db().url()])
    expect(result.exitCode).toBe(0)
    const document = JSON.parse(result.stdout)
    expect(document).toMatchObject({ tool: 'pgleak', schema: 1, server: { maxConnections: 100, usableConnections: 97 }, window: { samples: 1 } })
    expect(document.findings.filter((f: { severity: string }) => f.severity !== 'info')).toEqual([])
  })

  it('prints a readable report with the usage bar, the group table and the findings', async () => {
    await openIdleSessions(db(), 2, { application: 'web' })
    const result = await runCli(['audit', '--dsn', db().url()])
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toMatch(/^pgleak audit {2}postgres@127\.0\.0\.1:\d+\/postgres {2}· {2}PostgreSQL 18\.\d+$/m)
    expect(result.stdout).toMatch(/connections \[█+░+\] 2 \/ 97 usable \(2%\)/)
    expect(result.stdout).toMatch(/^application\s+total\s+active\s+idle\s+idle in tx\s+oldest tx\s+oldest conn$/m)
    expect(result.stdout).toMatch(/^web\s+2\s+0\s+2\s+0\s+-\s+\d+s$/m)
    expect(result.stdout).toContain('idle_in_transaction_session_timeout is 0')
    expect(result.stdout).toMatch(/0 errors, 0 warnings, 1 info$/m)
  })

  it('with --fail-on info, exits 1 for an info finding', async () => {
    const result = await runCli(['audit', '--json', '--fail-on', 'info', '--dsn', db().url()])
    expect(result.exitCode).toBe(1)
  })

  it('reports a session idle in transaction for 40 s that blocks another, and exits 1', { timeout: 90_000 }, async () => {
    const { holderPid, waiterPid } = await openBlockingPair(db(), 'billing-worker', 'checkout-api')
    await sleep(40_000)
    const result = await runCli(['audit', '--json', '--dsn', db().url()])
    expect(result.exitCode).toBe(1)
    const document = JSON.parse(result.stdout)
    const finding = document.findings.find((f: { kind: string }) => f.kind === 'idle-in-transaction')
    expect(finding).toMatchObject({
      severity: 'error',
      subject: { application: 'billing-worker' },
      pids: [holderPid],
      evidence: { blocking: [waiterPid] },
    })
    expect(finding.evidence.ageSeconds).toBeGreaterThanOrEqual(40)
    expect(finding.advice).toContain(`pg_terminate_backend(${holderPid})`)
  })
})

describe('pgleak audit against a full server', () => {
  const db = useTestDatabase({ settings: { max_connections: 6 } })

  it('tells an ordinary role refused at the reserved slots how a superuser or reserved role still gets in, with exit 3', async () => {
    await db().admin(`DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'app') THEN CREATE ROLE app LOGIN PASSWORD 'app-secret'; END IF; END $$`)
    // 6 slots, 3 reserved for superusers: three sessions leave only those.
    await openIdleSessions(db(), 3, { application: 'leaky' })
    const result = await runCli(['audit', '--dsn', db().url({ user: 'app', password: 'app-secret' })])
    expectOneLineError(result, 3, /remaining connection slots are reserved for roles with the SUPERUSER attribute\. The server is full/)
    expect(result.stderr).toContain('run pgleak with a superuser DSN')
    expect(result.stderr).toContain('pg_use_reserved_connections')
  })

  it('tells a superuser refused with "too many clients already" that no DSN gets in now, and what to do instead', async () => {
    // Fill every slot, so even the superuser's reserved ones are gone.
    await openIdleSessions(db(), 6, { application: 'leaky' })
    const result = await runCli(['audit', '--dsn', db().url()])
    expectOneLineError(result, 3, /sorry, too many clients already\. Every slot is taken, the superuser-reserved ones too/)
    expect(result.stderr).not.toContain('superuser DSN')
    expect(result.stderr).toContain('pg_terminate_backend(pid)')
  })

  it('reports headroom as an error when ordinary slots are nearly gone', async () => {
    // usable = 6 - 3 reserved = 3, all taken; pgleak, a superuser here, gets in on a reserved slot.
    await openIdleSessions(db(), 3, { application: 'leaky' })
    const result = await runCli(['audit', '--json', '--dsn', db().url()])
    expect(result.exitCode).toBe(1)
    const document = JSON.parse(result.stdout)
    expect(document.findings[0]).toMatchObject({ kind: 'headroom', severity: 'error', evidence: { scope: 'server', connections: 3, limit: 3, freeSlots: 0 } })
  })
})
