import { readFileSync } from 'node:fs'
import { packageFile } from './package-files.js'

// Read at run time, not imported: the package file sits outside the compiled tree.
export const PGLEAK_VERSION: string = (JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as { version: string }).version
