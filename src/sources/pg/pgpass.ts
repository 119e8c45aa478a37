// ~/.pgpass (or PGPASSFILE), read the way libpq reads it: the first line whose
// host:port:database:user fields match wins, `*` matches anything, `\:` and
// `\\` are escapes. node-postgres' own support is deprecated, so pgleak reads
// the file itself.
import { readFileSync, statSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'

export interface PgpassLookup {
  readonly host: string
  readonly port: number
  readonly database: string
  readonly user: string
}

function splitFields(line: string): string[] {
  const fields: string[] = []
  let current = ''
  for (let i = 0; i < line.length; i++) {
    const char = line[i]
    if (char === '\\' && i + 1 < line.length) current += line[++i]
    else if (char === ':' && fields.length < 4) {
      fields.push(current)
      current = ''
    } else current += char
  }
  fields.push(current)
  return fields
}

export function pgpassPath(env: NodeJS.ProcessEnv): string {
  return env.PGPASSFILE ?? join(homedir(), '.pgpass')
}

/** The password for a connection from a pgpass file's text, or undefined. */
export function findPgpassPassword(text: string, lookup: PgpassLookup): string | undefined {
  // libpq treats a socket connection as host "localhost" for matching.
  const host = lookup.host.startsWith('/') ? 'localhost' : lookup.host
  const wanted = [host, String(lookup.port), lookup.database, lookup.user]
  for (const rawLine of text.split(/\r?\n/)) {
    if (rawLine.trim() === '' || rawLine.startsWith('#')) continue
    const fields = splitFields(rawLine)
    if (fields.length !== 5) continue
    if (wanted.every((value, i) => fields[i] === '*' || fields[i] === value)) return fields[4]
  }
  return undefined
}

/** Reads the pgpass file; a missing or group/world-readable file gives no password, as with libpq. */
export function readPgpassPassword(lookup: PgpassLookup, env: NodeJS.ProcessEnv): string | undefined {
  const path = pgpassPath(env)
  try {
    const stats = statSync(path)
    if (!stats.isFile() || (process.platform !== 'win32' && (stats.mode & 0o077) !== 0)) return undefined
    return findPgpassPassword(readFileSync(path, 'utf8'), lookup)
  } catch {
    return undefined
  }
}

/**
 * Why the pgpass file is passed over, as a sentence to add to an error ('' when it is not): libpq
 * warns about a file others can read and ignores it, and an error that says "put the password in
 * ~/.pgpass" must not leave a user whose password is already there guessing.
 */
export function pgpassIgnoredBecause(env: NodeJS.ProcessEnv): string {
  if (process.platform === 'win32') return ''
  const path = pgpassPath(env)
  try {
    const stats = statSync(path)
    if (!stats.isFile() || (stats.mode & 0o077) === 0) return ''
    return ` ${path} is ignored: others can read it (mode ${(stats.mode & 0o777).toString(8).padStart(4, '0')}); chmod 600 ${path}, as libpq requires.`
  } catch {
    return ''
  }
}
