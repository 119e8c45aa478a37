// Where to connect, from `--dsn`, else DATABASE_URL, else the libpq variables
// (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, PGSSLMODE) and ~/.pgpass.
// SSL modes follow libpq's meaning (`require` encrypts without verifying),
// which is what users' DSNs were written for.
import type { ClientConfig } from 'pg'
import { escapeRegExp } from '../../core/escape-reg-exp.js'
import { PgleakError } from '../../errors.js'

export const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full', 'no-verify'] as const
export type SslMode = (typeof SSL_MODES)[number]

export interface ConnectionTarget {
  /** Connection settings for node-postgres; the password, if any, is in here and nowhere else. */
  readonly config: ClientConfig
  /** user@host:port/database, never with the password: safe for any output. */
  readonly description: string
  /** `prefer` and `allow` try SSL first and fall back to plain, as libpq does. */
  readonly sslFallback: boolean
  /** Strings that must never reach output (passwords). */
  readonly secrets: readonly string[]
  /** The database it connects to, as libpq would pick it (dbname, PGDATABASE, else the user name). */
  readonly database: string | undefined
}

const KEYWORDS: Record<string, keyof ClientConfig | 'sslmode' | 'ignored'> = {
  host: 'host',
  hostaddr: 'host',
  port: 'port',
  user: 'user',
  password: 'password',
  dbname: 'database',
  sslmode: 'sslmode',
  connect_timeout: 'ignored',
  application_name: 'ignored',
  options: 'ignored',
}

function sslConfig(mode: string | undefined): { ssl: ClientConfig['ssl']; sslFallback: boolean } {
  switch (mode) {
    case undefined:
    case 'disable':
      return { ssl: false, sslFallback: false }
    case 'allow':
    case 'prefer':
      return { ssl: { rejectUnauthorized: false }, sslFallback: true }
    case 'require':
    case 'no-verify':
      return { ssl: { rejectUnauthorized: false }, sslFallback: false }
    case 'verify-ca':
      return { ssl: { checkServerIdentity: () => undefined }, sslFallback: false }
    case 'verify-full':
      return { ssl: true, sslFallback: false }
    default:
      throw new PgleakError('BAD_DSN', `unknown sslmode '${mode}'`, { hint: `Use one of: ${SSL_MODES.join(', ')}.` })
  }
}

/** Parses libpq's `key=value key='quoted value'` form. */
export function parseKeywordDsn(text: string): Record<string, string> {
  const result: Record<string, string> = {}
  const pattern = /\s*([A-Za-z_]+)\s*=\s*(?:'((?:[^'\\]|\\.)*)'|(\S+))/y
  let rest = text.trim()
  while (rest.length > 0) {
    pattern.lastIndex = 0
    const match = pattern.exec(rest)
    if (!match || !match[1]) {
      throw new PgleakError('BAD_DSN', 'the connection string is neither a postgres:// URL nor a key=value list', {
        hint: 'Write it as postgres://user@host:5432/dbname or "host=... dbname=... user=...".',
      })
    }
    result[match[1]] = match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : (match[3] ?? '')
    rest = rest.slice(match[0].length).trim()
  }
  return result
}

function describe(user: string | undefined, host: string | undefined, port: string | number | undefined, database: string | undefined): string {
  const who = user ? `${user}@` : ''
  return `${who}${host || 'localhost'}:${port || 5432}/${database || user || ''}`
}

/** A percent-encoded part of the URL, or a one-line error naming which part is malformed (never the part itself: it may be the password). */
function decodedPart(text: string, part: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    throw new PgleakError('BAD_DSN', `the connection URL's ${part} has a malformed percent-escape`, {
      hint: 'A % must be followed by two hex digits: write a literal % as %25, as in postgres://user:p%25ss@host/db.',
    })
  }
}

function fromUrl(dsn: string, env: NodeJS.ProcessEnv): ConnectionTarget {
  let url: URL
  try {
    url = new URL(dsn)
  } catch {
    throw new PgleakError('BAD_DSN', 'the connection URL cannot be parsed', {
      hint: 'Check its form: postgres://user:password@host:5432/dbname (percent-encode special characters in the password).',
    })
  }
  const pairs: Record<string, string> = {}
  // Query parameters are libpq keywords too (?host=/var/run/postgresql&sslmode=require); the URL's own parts win.
  // Others (Prisma's ?schema=, ?connection_limit=) belong to the application's driver: pgleak passes over them.
  for (const [key, value] of url.searchParams) if (key in KEYWORDS) pairs[key] = value
  if (url.hostname) pairs.host = decodedPart(url.hostname.replace(/^\[|\]$/g, ''), 'host')
  if (url.port) pairs.port = url.port
  if (url.username) pairs.user = decodedPart(url.username, 'user name')
  if (url.password) pairs.password = decodedPart(url.password, 'password')
  if (url.pathname.length > 1) pairs.dbname = decodedPart(url.pathname.slice(1), 'database name')
  return fromPairs(pairs, env)
}

// The URL and key=value forms both come down to libpq keywords; node-postgres gets plain fields, so
// nothing it parses on its own (or fills from the environment) can override what the user gave.
function fromPairs(pairs: Record<string, string>, env: NodeJS.ProcessEnv): ConnectionTarget {
  const config: ClientConfig = {}
  for (const [key, value] of Object.entries(pairs)) {
    const field = KEYWORDS[key]
    if (field === undefined) {
      throw new PgleakError('BAD_DSN', `unknown connection keyword '${key}'`, {
        hint: 'pgleak understands host, port, user, password, dbname and sslmode.',
      })
    }
    if (field === 'port' && !/^\d+$/.test(value)) throw new PgleakError('BAD_DSN', `the port '${value}' is not a number`)
    if (field === 'host') config.host = value
    else if (field === 'port') config.port = Number(value)
    else if (field === 'user') config.user = value
    else if (field === 'password') config.password = value
    else if (field === 'database') config.database = value
  }
  const { ssl, sslFallback } = sslConfig(pairs.sslmode ?? env.PGSSLMODE)
  config.ssl = ssl
  const user = config.user ?? env.PGUSER ?? env.USER
  return {
    config,
    description: describe(config.user ?? env.PGUSER, config.host ?? env.PGHOST, config.port ?? env.PGPORT, config.database ?? env.PGDATABASE),
    sslFallback,
    secrets: pairs.password ? [pairs.password] : [],
    database: config.database ?? env.PGDATABASE ?? user,
  }
}

/** Resolves where to connect. Throws PgleakError('BAD_DSN') for a malformed DSN. */
export function resolveConnectionTarget(dsn: string | undefined, env: NodeJS.ProcessEnv): ConnectionTarget {
  const given = dsn ?? env.DATABASE_URL
  const envSecrets = env.PGPASSWORD ? [env.PGPASSWORD] : []
  if (given === undefined || given.trim() === '') {
    const { ssl, sslFallback } = sslConfig(env.PGSSLMODE)
    return {
      config: { ssl },
      description: describe(env.PGUSER ?? env.USER, env.PGHOST, env.PGPORT, env.PGDATABASE),
      sslFallback,
      secrets: envSecrets,
      database: env.PGDATABASE ?? env.PGUSER ?? env.USER,
    }
  }
  const target = /^postgres(?:ql)?:\/\//i.test(given.trim()) ? fromUrl(given.trim(), env) : fromPairs(parseKeywordDsn(given), env)
  return { ...target, secrets: [...target.secrets, ...envSecrets] }
}

/** Replaces every secret in a text; for messages that may echo a connection string. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let scrubbed = text
  for (const secret of secrets) {
    if (secret.length === 0) continue
    // A short password matched anywhere would mangle ordinary words ("e***ist"); match it only as a whole word.
    if (secret.length < 6) scrubbed = scrubbed.replace(new RegExp(`(?<![\\w])${escapeRegExp(secret)}(?![\\w])`, 'g'), '***')
    else scrubbed = scrubbed.split(secret).join('***')
  }
  // A URL with a password that we were not told about, e.g. inside a driver message.
  return scrubbed.replace(/(postgres(?:ql)?:\/\/[^:/@\s]*:)[^@\s]*@/gi, '$1***@').replace(/(password\s*=\s*)('[^']*'|\S+)/gi, '$1***')
}

