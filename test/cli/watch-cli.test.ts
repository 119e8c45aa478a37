// watch and analyze as users run them: output modes, signals, exit codes.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { BIN, runCli, waitFor } from '../support/run-cli.js'
import { openIdleSessions } from '../support/sessions.js'
import { useTestDatabase } from '../support/test-database.js'

const growthRecording = fileURLToPath(new URL('../fixtures/recordings/growth-every-5s.ndjson', import.meta.url))

describe('pgleak watch', () => {
  const db = useTestDatabase()

  it('with --json prints only the contract document on stdout at the end', async () => {
    await openIdleSessions(db(), 2, { application: 'web' })
    const result = await runCli(['watch', '--dsn', db().url(), '--interval', '500ms', '--duration', '2s', '--json'])
    expect(result.exitCode).toBe(0)
    const document = JSON.parse(result.stdout)
    expect(document).toMatchObject({ tool: 'pgleak', schema: 1, server: { usableConnections: 97 }, gaps: [] })
    expect(document.window.samples).toBeGreaterThanOrEqual(3)
    expect(document.findings.every((f: { severity: string }) => f.severity === 'info')).toBe(true)
  })

  it('with --ndjson prints one JSON line per poll', async () => {
    await openIdleSessions(db(), 2, { application: 'web' })
    const result = await runCli(['watch', '--dsn', db().url(), '--interval', '500ms', '--duration', '2s', '--ndjson'])
    const lines = result.stdout.trimEnd().split('\n').map((line) => JSON.parse(line))
    expect(lines.length).toBeGreaterThanOrEqual(3)
    expect(lines[0]).toMatchObject({ type: 'sample', clients: 2, groups: [{ app: 'web', connections: 2 }] })
  })

  // SIGHUP: the terminal it ran in was closed; what it gathered (and the demo's server) must not be lost with it.
  it.each(['SIGINT', 'SIGHUP'] as const)('on %s prints the summary, leaves a complete recording, and exits by its findings', async (signal) => {
    const dir = await mkdtemp(join(tmpdir(), 'pgleak-cli-'))
    const recordPath = join(dir, 'run.ndjson')
    const child = spawn(process.execPath, [BIN, 'watch', '--dsn', db().url(), '--interval', '200ms', '--record', recordPath], {
      env: { PATH: process.env.PATH, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
    await waitFor(async () => (await readFile(recordPath, 'utf8').catch(() => '')).split('\n').length > 5)
    child.kill(signal)
    expect(await exited).toBe(0)
    expect(stdout).toMatch(/^pgleak watch {2}postgres@127\.0\.0\.1:\d+\/postgres · PostgreSQL 18\.\d+ · \d+m?s, \d+ samples$/m)
    const lines = (await readFile(recordPath, 'utf8')).split('\n')
    expect(lines.at(-1)).toBe('')
    expect(lines.slice(0, -1).every((line) => JSON.parse(line) !== null)).toBe(true)
  })

  it('stops as on SIGTERM when the reader of its output goes away, finishing the recording and the report', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgleak-cli-'))
    const recordPath = join(dir, 'run.ndjson')
    const htmlPath = join(dir, 'run.html')
    const forgotten = await db().openSession({ application: 'billing-worker' })
    await forgotten.query('BEGIN')
    await forgotten.query('SELECT 1')
    const child = spawn(process.execPath, [BIN, 'watch', '--dsn', db().url(), '--interval', '200ms', '--max-idle-in-transaction', '1s', '--record', recordPath, '--html', htmlPath], {
      env: { PATH: process.env.PATH, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
    // As `| head -1` does: read the first line, then close the pipe; the finding's line then meets a closed pipe.
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()))
    child.stdout.destroy()
    expect(await exited).toBe(0)
    expect(await readFile(htmlPath, 'utf8')).toContain('billing-worker')
    const lines = (await readFile(recordPath, 'utf8')).split('\n')
    expect(lines.at(-1)).toBe('')
    expect(lines.slice(0, -1).every((line) => JSON.parse(line) !== null)).toBe(true)
  })

  it('rejects a bad interval with exit 2', async () => {
    const result = await runCli(['watch', '--interval', 'often'])
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toMatch(/^pgleak: .*'often' is not a duration/)
  })

  it('exits 3 with one line when the server cannot be reached at the start, leaving no empty recording behind', async () => {
    const recording = join(await mkdtemp(join(tmpdir(), 'pgleak-cli-')), 'never.ndjson')
    const result = await runCli(['watch', '--dsn', db().url({ password: 'wrong' }), '--duration', '2s', '--record', recording])
    expect(result.exitCode).toBe(3)
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1)
    expect(existsSync(recording)).toBe(false)
  })
})

describe('pgleak analyze', () => {
  it('says an empty log is empty rather than healthy', async () => {
    const empty = join(await mkdtemp(join(tmpdir(), 'pgleak-cli-')), 'app.log')
    await writeFile(empty, '')
    const result = await runCli(['analyze', empty, '--no-color'])
    expect(result.stdout).toContain('! the file is empty: nothing was judged.')
  })

  it('on a pool log, says what it could not read: pool lines not understood, and DEBUG logging off', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgleak-cli-'))
    const source = await readFile(new URL('../fixtures/pool-logs/sqlalchemy-leaks/scoped-session-never-removed.log', import.meta.url), 'utf8')
    // The same service with sqlalchemy.pool at INFO: its tracebacks say the pool ran out, nothing says what was checked out.
    const quiet = join(dir, 'info-only.log')
    await writeFile(quiet, source.split('\n').filter((line) => !line.includes(' DEBUG [sqlalchemy.pool')).join('\n'))
    const result = await runCli(['analyze', quiet, '--json'])
    const [log] = JSON.parse(result.stdout).logs
    expect(log).toMatchObject({ checkouts: 0, unrecognisedPoolLines: 0 })
    expect(log.notes).toEqual([expect.stringContaining("the pool's DEBUG logging seems off")])
    expect(log.notes[0]).toContain("Turn it on: logging.getLogger('sqlalchemy.pool').setLevel(logging.DEBUG) (or create_engine(..., echo_pool='debug')).")
    const text = await runCli(['analyze', quiet, '--no-color'])
    expect(text.stdout).toContain("! the log says the pool ran out (10 times) but has no checkouts")
    expect(text.stdout).not.toContain('a pool-imbalance finding says so')

    // A future SQLAlchemy's new wording for a checkout is shown, not read as nothing.
    const reworded = join(dir, 'reworded.log')
    await writeFile(reworded, source.replaceAll('checked out from pool', 'lent out by the pool'))
    const [rewordedLog] = JSON.parse((await runCli(['analyze', reworded, '--json'])).stdout).logs
    expect(rewordedLog.unrecognisedPoolLines).toBe(15)
    expect(rewordedLog.firstUnrecognisedPoolLines[0].text).toContain('lent out by the pool')
    expect(rewordedLog.notes[0]).toMatch(/^15 lines of the pool's logger were not understood/)
  })

  it('replays a recording, reports its findings, and exits 1 for an error', async () => {
    const result = await runCli(['analyze', growthRecording, '--json'])
    expect(result.exitCode).toBe(1)
    const document = JSON.parse(result.stdout)
    expect(document.findings.map((f: { kind: string }) => f.kind).sort()).toEqual(['abandoned-connections', 'connection-growth'])
    expect(document.window.samples).toBe(100)
  })

  it('takes thresholds from the flags over the recording', async () => {
    const result = await runCli(['analyze', growthRecording, '--json', '--abandoned-after', '10m'])
    expect(JSON.parse(result.stdout).findings.map((f: { kind: string }) => f.kind)).toEqual(['connection-growth'])
  })

  it('lets one threshold flag override only its own threshold, keeping the recording\'s others', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgleak-cli-'))
    const patient = join(dir, 'patient.ndjson')
    const text = await readFile(growthRecording, 'utf8')
    await writeFile(patient, text.replace('"abandonedAfterSeconds":60', '"abandonedAfterSeconds":36000'))
    const kinds = async (...flags: string[]) => JSON.parse((await runCli(['analyze', patient, '--json', ...flags])).stdout).findings.map((f: { kind: string }) => f.kind)
    expect(await kinds()).toEqual(['connection-growth'])
    expect(await kinds('--churn-per-minute', '50')).toEqual(['connection-growth'])
    expect(await kinds('--abandoned-after', '30s')).toEqual(expect.arrayContaining(['abandoned-connections', 'connection-growth']))
  })

  it('counts recording lines with times out of range or settings missing their figures as skipped, never a crash', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgleak-cli-'))
    const damaged = join(dir, 'damaged.ndjson')
    const text = await readFile(growthRecording, 'utf8')
    const bad = ['{"type":"snapshot","at":1e20,"backends":[]}', '{"type":"gap","from":0,"to":"later","reason":"x"}', '{"type":"settings","settings":{"maxConnections":100}}']
    await writeFile(damaged, `${text}${bad.join('\n')}\n`)
    const result = await runCli(['analyze', damaged])
    expect(result.exitCode).toBe(1)
    expect(result.stderr).toMatch(/skipped 3 line\(s\) that are not recording events \(first: line 103, 104, 105\)/)
    expect(result.stdout).toContain('connection-growth')
  })

  it('counts lines that are not recording events, and still reports', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgleak-cli-'))
    const damaged = join(dir, 'damaged.ndjson')
    const text = await readFile(growthRecording, 'utf8')
    await writeFile(damaged, `${text}not json at all\n{"type":"snapshot","at":`)
    const result = await runCli(['analyze', damaged])
    expect(result.exitCode).toBe(1)
    expect(result.stderr).toMatch(/skipped 2 line\(s\) that are not recording events \(first: line 103, 104\)/)
    expect(result.stdout).toContain('connection-growth')
  })

  it('reads a file that is not a recording as a log, and says which file it cannot read, with exit 2', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgleak-cli-'))
    const other = join(dir, 'app.log')
    await writeFile(other, 'INFO starting up\nERROR sorry, too many clients already\n')
    const result = await runCli(['analyze', other])
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toMatch(/app\.log {2}application log · 2 lines · 1 events/)
    expect(result.stdout).toMatch(/the server refused 1 connection: too many clients/)
    const missing = await runCli(['analyze', join(dir, 'nope.ndjson')])
    expect(missing).toMatchObject({ exitCode: 2, stderr: expect.stringMatching(/^pgleak: cannot read .*nope\.ndjson: no such file/) })
  })
})
