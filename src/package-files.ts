// Files that ship beside the compiled code (package.json, python/), found from wherever the running
// module sits: the compiled tree (dist/cli/...) and the bundled CLI (dist/bundle/...) are at
// different depths, so no fixed `../..` is right for both.
import { existsSync, readFileSync } from 'node:fs'

let root: URL | undefined

function packageRoot(): URL {
  if (root) return root
  for (let dir = new URL('./', import.meta.url); ; dir = new URL('../', dir)) {
    const manifest = new URL('package.json', dir)
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'pgleak') return (root = dir)
    if (new URL('../', dir).href === dir.href) throw new Error('pgleak: its package.json is missing: reinstall pgleak')
  }
}

/** A file of the installed package, by its path from the package's root. */
export function packageFile(path: string): URL {
  return new URL(path, packageRoot())
}
