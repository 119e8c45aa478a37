// `pgleak serve` as a user runs it: one-line errors for what it cannot use,
// SIGHUP to read the targets again (a bad edit keeps what runs), SIGTERM to
// stop with the document, and no password in anything it prints.
import { spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { freePort } from '../../src/demo/embedded-server.js'
import { BIN, runCli, waitFor } from '../support/run-cli.js'
import { useTestDatabase } from '../support/test-database.js'

const db = useTestDatabase()

describe('pgleak serve on the command line', () => {
  it('refuses what it cannot use in one line, exit 2', async () => {
    const listen = await runCli(['serve', '--listen', 'nonsense'])
    expect([listen.exitCode, listen.stderr.trim()]).toEqual([2, "pgleak: 'nonsense' is not an address to listen on. Write host:port, such as 127.0.0.1:9187, or :9187 for every interface."])
    const missing = await runCli(['serve', '--targets', '/nonexistent/targets.json'])
    expect(missing.exitCode).toBe(2)
    expect(missing.stderr).toMatch(/^pgleak: cannot read the targets file \/nonexistent\/targets.json: no such file\. A targets file is JSON/)
    const both = await runCli(['serve', '--targets', 'a.json', '--dsn', 'postgres://x@h/db'])
    expect([both.exitCode, both.stderr]).toEqual([2, 'pgleak: --dsn and --targets name the targets twice. Use one: --dsn (repeatable) or a targets file.\n'])
    const taken = createServer()
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve))
    const port = (taken.address() as { port: number }).port
    const inUse = await runCli(['serve', '--dsn', db().url(), '--listen', `127.0.0.1:${port}`])
    taken.close()
    expect([inUse.exitCode, inUse.stderr.trim()]).toEqual([2, `pgleak: cannot listen on 127.0.0.1:${port}: the port is in use. Choose another --listen address.`])
  })

  it('reads the targets again on SIGHUP, keeps them through a bad edit, and stops on SIGTERM with the document', { timeout: 30_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgleak-serve-cli-'))
    const targets = join(dir, 'targets.json')
    await writeFile(targets, JSON.stringify([{ name: 'first', dsn: db().url() }]))
    const port = await freePort()
    const child = spawn(process.execPath, [BIN, 'serve', '--targets', targets, '--listen', `127.0.0.1:${port}`, '--interval', '0.3s', '--json'], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
    const metrics = async (): Promise<string> => (await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text(), () => ''))
    await waitFor(async () => (await metrics()).includes('pgleak_up{target="first"} 1'))

    await writeFile(targets, JSON.stringify([{ name: 'first', dsn: db().url() }, { name: 'second', dsn: db().url(), labels: { env: 'test' } }]))
    child.kill('SIGHUP')
    await waitFor(async () => (await metrics()).includes('pgleak_up{target="second",env="test"} 1'))
    expect(stderr).toContain('SIGHUP: now watching first, second')

    await writeFile(targets, '[{"name": "broken"')
    child.kill('SIGHUP')
    await waitFor(async () => stderr.includes('SIGHUP: kept the running targets'))
    expect(await metrics()).toContain('pgleak_up{target="second",env="test"} 1')

    const exposition = await metrics()
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
    const document = JSON.parse(stdout) as { tool: string; targets: Array<{ target: string; up: boolean; document: { findings: unknown[] } }> }
    expect(document.tool).toBe('pgleak')
    expect(document.targets.map((t) => [t.target, t.up])).toEqual([
      ['first', true],
      ['second', true],
    ])
    expect(stderr).toMatch(/SIGTERM: stopping/)
    const password = new URL(db().url()).password
    expect(exposition).toMatch(/^pgleak_usable_slots\{target="first"[,}].* \d+$/m)
    expect(`${stdout}${stderr}${exposition}`).not.toContain(password)
  })
})
