// The databases `serve` watches: from `--dsn` (each named by its host and
// database) or from a targets file, each with a name and labels of its own.
import { readFileSync } from 'node:fs'
import { PgleakError } from '../errors.js'
import { resolveConnectionTarget, type ConnectionTarget } from '../sources/pg/connection-target.js'
import { poolerTargetsOf } from '../sources/pgbouncer/pooler-target.js'

export interface ServeTarget {
  /** The `target` label of every series, and the key of /findings. */
  readonly name: string
  readonly connection: ConnectionTarget
  /** More labels for this target's series (`env`, `team`), as the targets file gives them. */
  readonly labels: Readonly<Record<string, string>>
  /** The PgBouncer admin consoles in front of it, looked through at each poll. */
  readonly poolers: readonly ConnectionTarget[]
}

/** Prometheus' label name rule; names starting with `__` are reserved for Prometheus itself. */
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/
/** Labels every pgleak series may already carry: a target's own labels may not shadow them. */
export const RESERVED_LABELS: ReadonlySet<string> = new Set(['target', 'application', 'user', 'database', 'state', 'kind', 'severity', 'scope', 'name', 'role', 'title', 'advice', 'instance', 'job'])

function usage(message: string, hint: string): PgleakError {
  return new PgleakError('USAGE', message, { hint })
}

/** A target named by its connection: `host:port/database`, the user and password left out. */
function nameOf(connection: ConnectionTarget): string {
  return connection.description.replace(/^[^@]*@/, '')
}

export function targetsFromDsns(dsns: readonly string[], env: NodeJS.ProcessEnv): ServeTarget[] {
  const given = dsns.length > 0 ? dsns : [undefined]
  return uniquelyNamed(given.map((dsn) => {
    const connection = resolveConnectionTarget(dsn, env)
    return { name: nameOf(connection), connection, labels: {}, poolers: [] }
  }))
}

interface TargetEntry {
  readonly name?: unknown
  readonly dsn?: unknown
  readonly dsnEnv?: unknown
  readonly labels?: unknown
  readonly pgbouncer?: unknown
}

const FILE_HINT =
  'A targets file is JSON: [{"name": "orders", "dsn": "postgres://pgleak@orders-db/orders", "labels": {"env": "prod"}}]; ' +
  'use "dsnEnv": "ORDERS_DSN" to take the DSN, password and all, from the environment, and "pgbouncer": "postgres://pgleak@orders-pgbouncer:6432/pgbouncer" to look through its pooler.'

/** The targets a file names; read again on SIGHUP. */
export function targetsFromFile(path: string, env: NodeJS.ProcessEnv): ServeTarget[] {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw usage(`cannot read the targets file ${path}${code === 'ENOENT' ? ': no such file' : code === 'EISDIR' ? ': it is a folder' : ''}`, FILE_HINT)
  }
  let entries: unknown
  try {
    entries = JSON.parse(text)
  } catch (error) {
    throw usage(`the targets file ${path} is not JSON (${(error as Error).message})`, FILE_HINT)
  }
  if (!Array.isArray(entries) || entries.length === 0) throw usage(`the targets file ${path} must hold a list of targets`, FILE_HINT)
  return uniquelyNamed(entries.map((entry: unknown, index) => targetFromEntry(entry, `${path}, target ${index + 1}`, env)))
}

function targetFromEntry(entry: unknown, where: string, env: NodeJS.ProcessEnv): ServeTarget {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw usage(`${where} is not an object`, FILE_HINT)
  const { name, dsn, dsnEnv, labels, pgbouncer } = entry as TargetEntry
  if (dsn !== undefined && typeof dsn !== 'string') throw usage(`${where}: "dsn" must be a string`, FILE_HINT)
  if (dsnEnv !== undefined && typeof dsnEnv !== 'string') throw usage(`${where}: "dsnEnv" must be the name of an environment variable`, FILE_HINT)
  const fromEnv = dsnEnv !== undefined ? env[dsnEnv] : undefined
  if (dsnEnv !== undefined && (fromEnv === undefined || fromEnv === '')) throw usage(`${where}: the environment variable ${dsnEnv} is not set`, FILE_HINT)
  if (dsn === undefined && fromEnv === undefined) throw usage(`${where} has neither "dsn" nor "dsnEnv"`, FILE_HINT)
  const connection = resolveConnectionTarget(fromEnv ?? (dsn as string), env)
  if (name !== undefined && (typeof name !== 'string' || name.trim() === '')) throw usage(`${where}: "name" must be a non-empty string`, FILE_HINT)
  const poolers = pgbouncer === undefined ? [] : typeof pgbouncer === 'string' ? [pgbouncer] : pgbouncer
  if (!Array.isArray(poolers) || !poolers.every((url) => typeof url === 'string')) throw usage(`${where}: "pgbouncer" must be the URL of a PgBouncer admin console, or a list of them`, FILE_HINT)
  return { name: (name as string | undefined) ?? nameOf(connection), connection, labels: labelsOf(labels, where), poolers: poolerTargetsOf(poolers as string[], env) }
}

function labelsOf(labels: unknown, where: string): Record<string, string> {
  if (labels === undefined) return {}
  if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) throw usage(`${where}: "labels" must be an object of strings`, FILE_HINT)
  const result: Record<string, string> = {}
  for (const [key, value] of Object.entries(labels)) {
    if (!LABEL_NAME.test(key) || key.startsWith('__')) throw usage(`${where}: '${key}' is not a Prometheus label name`, 'Label names are letters, digits and underscores, not starting with a digit or __.')
    if (RESERVED_LABELS.has(key)) throw usage(`${where}: the label '${key}' is pgleak's own`, `pgleak sets ${[...RESERVED_LABELS].join(', ')} itself; choose another name.`)
    if (typeof value !== 'string') throw usage(`${where}: the label '${key}' must be a string`, FILE_HINT)
    result[key] = value
  }
  return result
}

function uniquelyNamed(targets: ServeTarget[]): ServeTarget[] {
  const seen = new Set<string>()
  for (const target of targets) {
    if (seen.has(target.name)) throw usage(`two targets are named '${target.name}'`, 'Give each target its own "name" in the targets file.')
    seen.add(target.name)
  }
  return targets
}
