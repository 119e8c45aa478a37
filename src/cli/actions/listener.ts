// What `pgleak listener` does: prints the shipped listener file.
import { readFile } from 'node:fs/promises'
import { PgleakError } from '../../errors.js'
import { packageFile } from '../../package-files.js'

const LISTENERS: Readonly<Record<string, string>> = { sqlalchemy: 'pgleak_sqlalchemy.py' }

export async function printListener(library: string): Promise<void> {
  const file = LISTENERS[library.toLowerCase()]
  if (!file) throw new PgleakError('USAGE', `no listener for '${library}'`, { hint: `Use one of: ${Object.keys(LISTENERS).join(', ')}. node-postgres has pgleak/node-pg.` })
  process.stdout.write(await readFile(packageFile(`python/${file}`), 'utf8'))
}
