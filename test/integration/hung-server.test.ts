// A server that stops answering (its processes stopped with SIGSTOP: what a
// hung host, a frozen VM or a network that stops forwarding looks like from
// pgleak's side) must never hang pgleak: --duration and signals are kept
// within a second, the silence is a gap with its length, and the document
// is written.
import { spawn } from 'node:child_process'
import { mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect, createServer, type AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { check } from '../../src/check.js'
import { watch } from '../../src/watch.js'
import { BIN } from '../support/run-cli.js'
import { signalServer } from '../support/server-signals.js'
import { useTestDatabase } from '../support/test-database.js'

const sleep = (millis: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, millis))

describe.skipIf(process.platform !== 'linux' || process.env.PGLEAK_TEST_DATABASE_URL !== undefined)('a server that stops answering', () => {
  const db = useTestDatabase()
  const dataDir = (): string => db().server!.dataDir
  afterEach(() => signalServer(dataDir(), 'SIGCONT'))

  it('watch --duration ends on time with its document; the silence to the end is a gap, in the recording too', { timeout: 30_000 }, async () => {
    const recording = join(await mkdtemp(join(tmpdir(), 'pgleak-hung-')), 'watch.ndjson')
    const child = spawn(process.execPath, [BIN, 'watch', '--dsn', db().url(), '--interval', '0.5s', '--duration', '6s', '--json', '--record', recording], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    const started = Date.now()
    await sleep(2000)
    signalServer(dataDir(), 'SIGSTOP')
    const exitCode = await new Promise<number | null>((resolve) => child.on('close', resolve))
    const seconds = (Date.now() - started) / 1000
    signalServer(dataDir(), 'SIGCONT')
    expect(seconds).toBeLessThan(7.5)
    expect(exitCode).not.toBeNull()
    const document = JSON.parse(stdout)
    expect(document.gaps).toHaveLength(1)
    expect(document.gaps[0].reason).toMatch(/until the end/)
    expect(Date.parse(document.gaps[0].to) - Date.parse(document.gaps[0].from)).toBeGreaterThanOrEqual(3000)
    const lines = (await readFile(recording, 'utf8')).trim().split('\n').map((line) => JSON.parse(line))
    expect(lines.filter((line) => line.type === 'gap')).toHaveLength(1)
  })

  it('SIGINT while the server is silent ends watch within a second, with its document', { timeout: 30_000 }, async () => {
    const child = spawn(process.execPath, [BIN, 'watch', '--dsn', db().url(), '--interval', '0.5s', '--duration', '60s', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    await sleep(1500)
    signalServer(dataDir(), 'SIGSTOP')
    await sleep(1500)
    const signalledAt = Date.now()
    child.kill('SIGINT')
    await new Promise((resolve) => child.on('close', resolve))
    expect(Date.now() - signalledAt).toBeLessThan(1500)
    expect(JSON.parse(stdout).window.samples).toBeGreaterThan(1)
  })

  it('SIGINT to check while the server is silent and the command runs: within a second, one document, the command ended', { timeout: 30_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgleak-hung-check-'))
    const commandPid = join(dir, 'command.pid')
    const script = `require('fs').writeFileSync(${JSON.stringify(commandPid)}, String(process.pid)); setInterval(() => {}, 1000)`
    const child = spawn(process.execPath, [BIN, 'check', '--dsn', db().url(), '--interval', '0.5s', '--json', '--', process.execPath, '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
    await sleep(2000)
    signalServer(dataDir(), 'SIGSTOP')
    await sleep(1500)
    const signalledAt = Date.now()
    child.kill('SIGINT')
    expect(await exited).toBe(130)
    expect(Date.now() - signalledAt).toBeLessThan(1500)
    const document = JSON.parse(stdout) as { command: { signal: string | null } }
    expect(document.command.signal).toBe('SIGINT')
    // The command does not outlive the check that wrapped it.
    const pid = Number(await readFile(commandPid, 'utf8'))
    expect(() => process.kill(pid, 0)).toThrow()
  })

  it('gives up on a poll the server does not answer, opens a gap, and goes on when the server does', { timeout: 60_000 }, async () => {
    const gaps: string[] = []
    const run = watch({
      dsn: db().url(),
      intervalMillis: 500,
      durationMillis: 28_000,
      onEvent: (event) => {
        if (event.type === 'gap') gaps.push(event.gap.reason)
      },
    })
    await sleep(2000)
    signalServer(dataDir(), 'SIGSTOP')
    await sleep(15_000)
    signalServer(dataDir(), 'SIGCONT')
    const result = await run
    expect(result.gaps).toHaveLength(1)
    const gap = result.gaps[0]!
    expect(gap.reason).toMatch(/^no answer from the server for 12 s/)
    expect(gap.toMillis - gap.fromMillis).toBeGreaterThanOrEqual(12_000)
    // Polls came again after it.
    expect(result.window.toMillis).toBeGreaterThan(gap.toMillis)
  })

  it('check gives up on a database that stays down after the command ended, and reports the command', { timeout: 60_000 }, async () => {
    const started = Date.now()
    const run = check({
      dsn: db().url(),
      command: [process.execPath, '-e', 'setTimeout(() => {}, 2500)'],
      intervalMillis: 500,
      settleMillis: 1000,
      giveUpAfterSettleMillis: 3000,
    })
    await sleep(1200)
    signalServer(dataDir(), 'SIGSTOP')
    const result = await run
    signalServer(dataDir(), 'SIGCONT')
    // The command's 2.5 s, the settle and the deadline, and the second it takes to stop: not for ever.
    expect((Date.now() - started) / 1000).toBeLessThan(12)
    expect(result.databaseLostAtEnd).toBe('the database did not answer for 4 s after the command ended')
    expect(result.command).toMatchObject({ exitCode: 0, status: 0 })
    expect(result.findings.filter((f) => f.kind === 'leftover-connections')).toEqual([])
  })

  it('a network that stops forwarding (a TCP proxy gone silent) is the same: watch ends on time, the silence a gap', { timeout: 30_000 }, async () => {
    const proxy = await silentProxy(db().url())
    try {
      const started = Date.now()
      const run = watch({ dsn: proxy.url, intervalMillis: 500, durationMillis: 6000 })
      await sleep(2000)
      proxy.stopForwarding()
      const result = await run
      expect((Date.now() - started) / 1000).toBeLessThan(7.5)
      expect(result.gaps).toHaveLength(1)
      expect(result.gaps[0]!.reason).toMatch(/no answer from the server for \d+ s \(until the end\)/)
    } finally {
      proxy.close()
    }
  })

  it('and during check: the command is reported, the run ends at its deadline, the silence to the end a gap', { timeout: 30_000 }, async () => {
    const proxy = await silentProxy(db().url())
    try {
      const started = Date.now()
      const run = check({
        dsn: proxy.url,
        command: [process.execPath, '-e', 'setTimeout(() => process.exit(4), 2500)'],
        intervalMillis: 500,
        settleMillis: 1000,
        giveUpAfterSettleMillis: 3000,
      })
      await sleep(1200)
      proxy.stopForwarding()
      const result = await run
      expect((Date.now() - started) / 1000).toBeLessThan(12)
      expect(result.command).toMatchObject({ exitCode: 4 })
      expect(result.databaseLostAtEnd).toBe('the database did not answer for 4 s after the command ended')
      expect(result.gaps.at(-1)?.reason).toMatch(/no answer from the server for \d+ s/)
    } finally {
      proxy.close()
    }
  })
})

/** A TCP proxy in front of the server whose forwarding can stop, both ways, with the sockets left open as on a dead route. */
async function silentProxy(serverUrl: string): Promise<{ url: string; stopForwarding(): void; close(): void }> {
  const server = new URL(serverUrl)
  let isForwarding = true
  const proxy = createServer((client) => {
    const upstream = connect(Number(server.port), server.hostname)
    client.on('data', (chunk) => isForwarding && upstream.write(chunk))
    upstream.on('data', (chunk) => isForwarding && client.write(chunk))
    const end = (): void => {
      client.destroy()
      upstream.destroy()
    }
    client.on('error', end)
    upstream.on('error', end)
    client.on('close', end)
    upstream.on('close', end)
  })
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
  const viaProxy = new URL(serverUrl)
  viaProxy.port = String((proxy.address() as AddressInfo).port)
  return {
    url: viaProxy.toString(),
    stopForwarding: () => (isForwarding = false),
    close: () => proxy.close(),
  }
}
