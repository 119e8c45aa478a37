import { readFileSync } from 'node:fs'

// Read at run time, not imported: the package file sits outside the compiled tree.
export const PGLEAK_VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version
