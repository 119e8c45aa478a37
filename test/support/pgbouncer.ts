// A real PgBouncer (Debian's `pgbouncer` package) in front of a test file's
// server, started and stopped by the test. It refuses to run as root, so on
// a root machine it runs as the server's own unprivileged account. Without
// the binary, the tests that need it are skipped, saying why.
import { spawn, type ChildProcess, execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { chmod, chown, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../../src/demo/embedded-server.js'

const CANDIDATES = ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer', '/usr/local/bin/pgbouncer']

/** The pgbouncer binary, or undefined: PGLEAK_TEST_PGBOUNCER names one. */
export function pgbouncerBinary(): string | undefined {
  if (process.env.PGLEAK_TEST_PGBOUNCER) return process.env.PGLEAK_TEST_PGBOUNCER
  return CANDIDATES.find((path) => existsSync(path))
}

export const NO_PGBOUNCER = 'PgBouncer is not installed (apt-get install pgbouncer, or PGLEAK_TEST_PGBOUNCER=/path/to/pgbouncer): the tests behind a pooler are skipped'

export interface PgbouncerOptions {
  readonly serverPort: number
  readonly user: string
  readonly password: string
  readonly poolMode: 'session' | 'transaction'
  readonly defaultPoolSize: number
  readonly maxClientConn: number
}

export class TestPgbouncer {
  readonly #child: ChildProcess
  readonly #dir: string
  #log = ''

  private constructor(
    child: ChildProcess,
    dir: string,
    readonly port: number,
    readonly options: PgbouncerOptions,
  ) {
    this.#child = child
    this.#dir = dir
    child.stderr?.on('data', (chunk: Buffer) => (this.#log = (this.#log + chunk.toString()).slice(-20_000)))
  }

  static async start(options: PgbouncerOptions): Promise<TestPgbouncer> {
    const binary = pgbouncerBinary()
    if (!binary) throw new Error(NO_PGBOUNCER)
    const dir = await mkdtemp(join(tmpdir(), 'pgleak-pgbouncer-'))
    await chmod(dir, 0o755)
    const port = await freePort()
    const ini = [
      '[databases]',
      `* = host=127.0.0.1 port=${options.serverPort}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = plain',
      `auth_file = ${join(dir, 'users.txt')}`,
      `admin_users = ${options.user}`,
      `pool_mode = ${options.poolMode}`,
      `default_pool_size = ${options.defaultPoolSize}`,
      `max_client_conn = ${options.maxClientConn}`,
      'ignore_startup_parameters = extra_float_digits',
    ].join('\n')
    await writeFile(join(dir, 'pgbouncer.ini'), `${ini}\n`)
    await writeFile(join(dir, 'users.txt'), `"${options.user}" "${options.password}"\n`)
    const owner = userInfo().uid === 0 ? { uid: Number(execFileSync('id', ['-u', 'postgres']).toString()), gid: Number(execFileSync('id', ['-g', 'postgres']).toString()) } : undefined
    if (owner) for (const file of ['pgbouncer.ini', 'users.txt']) await chown(join(dir, file), owner.uid, owner.gid)
    const child = spawn(binary, [join(dir, 'pgbouncer.ini')], { ...owner, stdio: ['ignore', 'ignore', 'pipe'] })
    const bouncer = new TestPgbouncer(child, dir, port, options)
    await bouncer.#waitUntilListening()
    return bouncer
  }

  /** A URL to the pooler: database `pgbouncer` is its admin console. */
  url(database = 'postgres'): string {
    return `postgres://${encodeURIComponent(this.options.user)}:${encodeURIComponent(this.options.password)}@127.0.0.1:${this.port}/${database}`
  }

  get log(): string {
    return this.#log
  }

  async stop(): Promise<void> {
    this.#child.kill('SIGTERM')
    await new Promise((resolve) => (this.#child.exitCode !== null ? resolve(undefined) : this.#child.once('exit', resolve)))
    await rm(this.#dir, { recursive: true, force: true })
  }

  async #waitUntilListening(): Promise<void> {
    const deadline = Date.now() + 10_000
    while (!this.#log.includes('process up')) {
      if (this.#child.exitCode !== null) throw new Error(`pgbouncer exited ${this.#child.exitCode}: ${this.#log}`)
      if (Date.now() > deadline) throw new Error(`pgbouncer did not start: ${this.#log}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
}
