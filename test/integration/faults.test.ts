// Faults a diagnostic tool must survive without becoming part of the problem:
// its own session killed mid-watch, killed before audit's query, and the
// passwords it was given never showing anywhere.
import { spawn } from 'node:child_process'
import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { exitCodeFor, isPgleakError } from '../../src/errors.js'
import { resolveConnectionTarget } from '../../src/sources/pg/connection-target.js'
import { PgleakSession } from '../../src/sources/pg/pgleak-session.js'
import { readSnapshot } from '../../src/sources/pg/read-snapshot.js'
import { watch, type WatchEvent } from '../../src/watch.js'
import { BIN, runCli, sleep, waitFor } from '../support/run-cli.js'
import { useTestDatabase } from '../support/test-database.js'
import { SUPERUSER_PASSWORD } from '../../src/demo/embedded-server.js'

describe('faults', () => {
  const db = useTestDatabase()

  it("recovers when its own session is terminated in the middle of a watch", { timeout: 30_000 }, async () => {
    const events: WatchEvent['type'][] = []
    let samplesAfter = 0
    const watching = watch({
      dsn: db().url(),
      intervalMillis: 300,
      durationMillis: 6000,
      onEvent: (event) => {
        events.push(event.type)
        if (event.type === 'sample' && events.includes('gap')) samplesAfter++
      },
    })
    await sleep(1500)
    const killed = await db().admin<{ n: number }>(`SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = 'pgleak'`)
    expect(killed[0]?.n).toBe(1)
    const result = await watching
    expect(events).toContain('disconnected')
    expect(events.filter((type) => type === 'connected')).toHaveLength(2)
    expect(result.gaps).toHaveLength(1)
    expect(samplesAfter).toBeGreaterThan(3)
  })

  it('turns a session killed under its query into a clear connection error, exit 3', async () => {
    const session = await PgleakSession.open(resolveConnectionTarget(db().url(), {}))
    await db().admin('SELECT pg_terminate_backend($1)', [session.backendPid])
    const error = await readSnapshot(session, 180000).then(
      () => undefined,
      (caught: unknown) => caught,
    )
    await session.close()
    expect(isPgleakError(error) && error.code).toBe('CONNECTION_LOST')
    expect(isPgleakError(error) && exitCodeFor(error)).toBe(3)
    expect(isPgleakError(error) && error.message).toMatch(/^lost the connection to postgres@127\.0\.0\.1:\d+\/postgres: /)
  })

  it('never shows a password given in the URL, PGPASSWORD, a key=value DSN or ~/.pgpass: in output, errors, --debug, recordings or reports', { timeout: 60_000 }, async () => {
    const url = new URL(db().url())
    const dir = await mkdtemp(join(tmpdir(), 'pgleak-secrets-'))
    const pgpass = join(dir, 'pgpass')
    await writeFile(pgpass, `127.0.0.1:${url.port}:*:postgres:${SUPERUSER_PASSWORD}\n`)
    await chmod(pgpass, 0o600)
    const keyword = `host=127.0.0.1 port=${url.port} user=postgres dbname=postgres password='${SUPERUSER_PASSWORD}'`
    const recording = join(dir, 'run.ndjson')
    const junit = join(dir, 'report.xml')
    const runs = await Promise.all([
      runCli(['audit', '--json', '--dsn', db().url()]),
      runCli(['audit', '--dsn', keyword]),
      runCli(['audit', '--json'], { PGHOST: '127.0.0.1', PGPORT: url.port, PGUSER: 'postgres', PGPASSWORD: SUPERUSER_PASSWORD, PGDATABASE: 'postgres' }),
      runCli(['audit', '--json', '--dsn', `postgres://postgres@127.0.0.1:${url.port}/postgres`], { PGPASSFILE: pgpass }),
      runCli(['watch', '--dsn', db().url(), '--duration', '1s', '--interval', '200ms', '--record', recording, '--json']),
      runCli(['check', '--dsn', db().url(), '--format', 'junit', '--output', junit, '--', process.execPath, '-e', '0']),
      runCli(['--debug', 'audit', '--dsn', db().url({ database: 'no_such_db' })]),
      runCli(['--debug', 'audit', '--dsn', keyword.replace('dbname=postgres', 'dbname=no_such_db')]),
      runCli(['--debug', 'audit', '--dsn', `postgres://postgres:${SUPERUSER_PASSWORD}@127.0.0.1:1/postgres`]),
    ])
    expect(runs.slice(0, 4).map((r) => r.exitCode)).toEqual([0, 0, 0, 0])
    const everything = [...runs.flatMap((r) => [r.stdout, r.stderr]), await readFile(recording, 'utf8'), await readFile(junit, 'utf8')].join('\n')
    expect(everything).toContain('does not exist')
    expect(everything).not.toContain(SUPERUSER_PASSWORD)
  })
})

describe('signals', () => {
  const db = useTestDatabase()

  it('on SIGTERM during watch --record, prints the summary and leaves a complete recording', async () => {
    const recording = join(await mkdtemp(join(tmpdir(), 'pgleak-sig-')), 'run.ndjson')
    const child = spawn(process.execPath, [BIN, 'watch', '--dsn', db().url(), '--interval', '200ms', '--record', recording], { env: { PATH: process.env.PATH, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
    await waitFor(async () => (await readFile(recording, 'utf8').catch(() => '')).split('\n').length > 4)
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
    expect(stdout).toMatch(/^pgleak watch {2}postgres@/m)
    const text = await readFile(recording, 'utf8')
    expect(text.endsWith('\n')).toBe(true)
    expect(text.trimEnd().split('\n').every((line) => JSON.parse(line) !== null)).toBe(true)
  })

  it("on SIGTERM during check -- cmd, ends the command's whole process group, then reports", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgleak-sig-'))
    const grandchildPid = join(dir, 'grandchild.pid')
    const script = `const c = require('child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' }); require('fs').writeFileSync(${JSON.stringify(grandchildPid)}, String(c.pid)); setInterval(() => {}, 1000)`
    const child = spawn(process.execPath, [BIN, 'check', '--settle', '1s', '--', process.execPath, '-e', script], { env: { PATH: process.env.PATH, NO_COLOR: '1', DATABASE_URL: db().url() }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
    await waitFor(async () => (await readFile(grandchildPid, 'utf8').catch(() => '')) !== '')
    const pid = Number(await readFile(grandchildPid, 'utf8'))
    child.kill('SIGTERM')
    expect(await exited).toBe(143)
    expect(stderr).toMatch(/→ killed by SIGTERM after/)
    await waitFor(async () => {
      try {
        process.kill(pid, 0)
        return false
      } catch {
        return true
      }
    }, 5000)
  })
})
