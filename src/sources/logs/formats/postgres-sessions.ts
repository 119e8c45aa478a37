// What the server's own messages say about sessions, whichever of its log
// formats carried them: log_connections' `connection authorized`,
// log_disconnections' `disconnection`, and the FATALs that refuse a
// connection. The stderr, csvlog and jsonlog readers find the severity and
// message; this turns them into events, remembering per backend pid what
// only the authorized line says (the application name: the common Debian
// prefix `%m [%p] %q%u@%d ` never prints it).
import type { PoolEvent, PoolEventType } from '../../../core/pool-event.js'
import { digitsAt } from './local-date-time.js'

export type ServerMessageKind =
  /** A new backend: whatever its pid did before is over. */
  | 'received'
  | 'authorized'
  | 'disconnection'
  /** The postmaster (re)started: every earlier backend is gone. */
  | 'ready'
  /** FATAL: a connection limit refused the backend. */
  | 'too-many'
  /** FATAL: refused during startup for another reason (no such database, role cannot log in...). */
  | 'refused'

const EMPTY: readonly PoolEvent[] = []

/**
 * The kind of a LOG or FATAL message that matters for sessions, looking only
 * at how it starts (at `from` in `text`), so most lines cost a few character
 * comparisons.
 */
export function classifyServerMessage(severity: string, text: string, from: number): ServerMessageKind | undefined {
  if (severity === 'LOG') {
    // The first letters pick the one message it can be, so a line costs one comparison, not five.
    switch (text.charCodeAt(from)) {
      case 99 /* c */:
        if (!text.startsWith('connection ', from)) return undefined
        if (text.startsWith('authorized: ', from + 11)) return 'authorized'
        if (text.startsWith('received: ', from + 11)) return 'received'
        return undefined
      case 100 /* d */:
        if (text.charCodeAt(from + 1) === 105 /* i */) return text.startsWith('disconnection: session time: ', from) ? 'disconnection' : undefined
        return text.startsWith('database system is ready to accept connections', from) ? 'ready' : undefined
      case 114 /* r */:
        return text.startsWith('replication connection authorized: ', from) ? 'authorized' : undefined
      default:
        return undefined
    }
  }
  if (severity !== 'FATAL') return undefined
  if (
    text.startsWith('sorry, too many clients already', from) ||
    text.startsWith('remaining connection slots are reserved for ', from) ||
    text.startsWith('too many connections for role ', from) ||
    text.startsWith('too many connections for database ', from)
  )
    return 'too-many'
  // Raised in InitPostgres after `connection authorized` was logged, and
  // before log_disconnections is armed: such a backend never logs its end.
  if (text.startsWith('database "', from) || text.startsWith('role "', from) || text.startsWith('permission denied for database ', from))
    return 'refused'
  return undefined
}

interface OpenSession {
  readonly application: string | undefined
  readonly user: string | undefined
  readonly database: string | undefined
  readonly startMillis: number | null
}

/** Where a message was found: enough to build an event, computed only for messages that matter. */
export interface ServerMessageContext {
  readonly pid: number | undefined
  readonly atMillis: number | null
  readonly lineNumber: number
  /** The session's application name from a csvlog/jsonlog column, when the message itself lacks it. */
  readonly application?: string | undefined
}

const AUTHORIZED_USER = 'connection authorized: user='
const DISCONNECTION = 'disconnection: session time: '

/** Where `text` ends, less trailing spaces (a CR left by a CRLF file, too). */
function trimmedEnd(text: string): number {
  let end = text.length
  while (end > 0 && (text.charCodeAt(end - 1) === 32 || text.charCodeAt(end - 1) === 13)) end--
  return end
}

/** The smallest of the positions that were found (not -1), else `fallback`. */
function firstFound(fallback: number, ...positions: number[]): number {
  let first = fallback
  for (const position of positions) if (position !== -1 && position < first) first = position
  return first
}

interface AuthorizedFields {
  readonly user: string
  readonly database: string | undefined
  readonly application: string | undefined
}

/**
 * `connection authorized: user=U database=D application_name=A SSL enabled (...)`:
 * database, application_name and the SSL/GSS part each only when they apply.
 * An application name may hold spaces (pgjdbc's is `PostgreSQL JDBC Driver`),
 * so it runs to the SSL/GSS part or the end.
 */
function authorizedFields(text: string, from: number): AuthorizedFields | undefined {
  const userAt = text.indexOf(AUTHORIZED_USER, from)
  if (userAt === -1) return undefined
  const userStart = userAt + AUTHORIZED_USER.length
  const end = trimmedEnd(text)
  const databaseAt = text.indexOf(' database=', userStart)
  const applicationAt = text.indexOf(' application_name=', userStart)
  const after = Math.max(userStart, databaseAt, applicationAt)
  const suffixAt = firstFound(end, text.indexOf(' SSL enabled (', after), text.indexOf(' GSS (', after))
  return {
    user: text.slice(userStart, firstFound(suffixAt, databaseAt, applicationAt)),
    database: databaseAt === -1 ? undefined : text.slice(databaseAt + 10, firstFound(suffixAt, applicationAt)),
    application: applicationAt === -1 ? undefined : text.slice(applicationAt + 18, suffixAt),
  }
}

interface DisconnectionFields {
  readonly sessionSeconds: number
  readonly user: string
  readonly database: string
}

/** `disconnection: session time: H:MM:SS.mmm user=U database=D host=H[ port=P]`, hours not padded. */
function disconnectionFields(text: string, from: number): DisconnectionFields | undefined {
  let at = from + DISCONNECTION.length
  let hours = 0
  for (; ; at++) {
    const digit = text.charCodeAt(at) - 48
    if (!(digit >= 0 && digit <= 9)) break
    hours = hours * 10 + digit
  }
  if (text.charCodeAt(at) !== 58 || text.charCodeAt(at + 3) !== 58 || text.charCodeAt(at + 6) !== 46) return undefined
  const minutes = digitsAt(text, at + 1, 2)
  const seconds = digitsAt(text, at + 4, 2)
  const millis = digitsAt(text, at + 7, 3)
  if (minutes < 0 || seconds < 0 || millis < 0) return undefined
  const userAt = text.indexOf(' user=', at)
  const databaseAt = text.indexOf(' database=', userAt)
  const hostAt = text.indexOf(' host=', databaseAt)
  if (userAt === -1 || databaseAt === -1 || hostAt === -1) return undefined
  const sessionSeconds = hours * 3600 + minutes * 60 + seconds + millis / 1000
  if (!Number.isFinite(sessionSeconds)) return undefined
  return { sessionSeconds, user: text.slice(userAt + 6, databaseAt), database: text.slice(databaseAt + 10, hostAt) }
}

const LIMITED_NAME = /too many connections for (role|database) "(.*)"/y

/**
 * A copy of a short string that does not keep the line it was cut from
 * alive: V8 slices share their parent's memory, and a log line can be long.
 */
function detached(value: string): string {
  return (' ' + value).slice(1)
}

/** Names repeat across thousands of sessions: keep one copy of each (up to a bound). */
class NameTable {
  readonly #names = new Map<string, string>()

  intern(name: string): string {
    const known = this.#names.get(name)
    if (known !== undefined) return known
    const copy = detached(name)
    if (this.#names.size < 10_000) this.#names.set(copy, copy)
    return copy
  }
}

export class ServerSessions {
  /** Open sessions only: an entry is removed when its backend ends or is refused. */
  readonly #open = new Map<number, OpenSession>()
  readonly #names = new NameTable()

  get openCount(): number {
    return this.#open.size
  }

  /** Events for a message `classifyServerMessage` gave `kind` for; the message is `text` from `from` on. */
  record(kind: ServerMessageKind, text: string, from: number, context: ServerMessageContext): readonly PoolEvent[] {
    const { pid } = context
    switch (kind) {
      case 'received':
        if (pid !== undefined) this.#open.delete(pid)
        return EMPTY
      case 'ready':
        this.#open.clear()
        return EMPTY
      case 'authorized':
        return this.#authorized(text, from, context)
      case 'disconnection':
        return this.#disconnection(text, from, context)
      case 'too-many':
        return this.#refused(text, from, context, true)
      case 'refused':
        return this.#refused(text, from, context, false)
    }
  }

  #authorized(text: string, from: number, context: ServerMessageContext): readonly PoolEvent[] {
    const fields = authorizedFields(text, from)
    if (!fields) return EMPTY
    const { user, database, application } = fields
    const session: OpenSession = {
      application: application ? this.#names.intern(application) : undefined,
      user: user ? this.#names.intern(user) : undefined,
      database: database ? this.#names.intern(database) : undefined,
      startMillis: context.atMillis,
    }
    // A pid seen again is a new backend: the old session's state is simply replaced.
    if (context.pid !== undefined) this.#open.set(context.pid, session)
    return [this.#event('session-start', context, session)]
  }

  #disconnection(text: string, from: number, context: ServerMessageContext): readonly PoolEvent[] {
    const fields = disconnectionFields(text, from)
    if (!fields) return EMPTY
    const open = this.#take(context.pid)
    const application = open?.application ?? this.#columnApplication(context)
    return [this.#event('session-end', context, { application, user: fields.user, database: fields.database }, { sessionSeconds: fields.sessionSeconds })]
  }

  #refused(text: string, from: number, context: ServerMessageContext, limit: boolean): readonly PoolEvent[] {
    const open = this.#take(context.pid)
    const message = text.slice(from).trimEnd()
    const events: PoolEvent[] = []
    if (limit) {
      LIMITED_NAME.lastIndex = from
      const named = LIMITED_NAME.exec(text)
      const who = {
        application: open?.application ?? this.#columnApplication(context),
        user: named?.[1] === 'role' ? named[2] : open?.user,
        database: named?.[1] === 'database' ? named[2] : open?.database,
      }
      events.push(this.#event('too-many-clients', context, who, { text: message }))
    }
    // The backend had logged `connection authorized`: close its session here,
    // since no disconnection line will.
    if (open) {
      const sessionSeconds = open.startMillis !== null && context.atMillis !== null ? Math.max(0, context.atMillis - open.startMillis) / 1000 : undefined
      events.push(this.#event('session-end', context, open, { sessionSeconds, text: message }))
    }
    return events
  }

  #take(pid: number | undefined): OpenSession | undefined {
    if (pid === undefined) return undefined
    const open = this.#open.get(pid)
    if (open) this.#open.delete(pid)
    return open
  }

  #columnApplication(context: ServerMessageContext): string | undefined {
    return context.application ? this.#names.intern(context.application) : undefined
  }

  #event(
    type: PoolEventType,
    context: ServerMessageContext,
    who: { readonly application?: string | undefined; readonly user?: string | undefined; readonly database?: string | undefined },
    extra: { readonly sessionSeconds?: number | undefined; readonly text?: string } = {},
  ): PoolEvent {
    // Built in one go, optional fields set only when present: this runs for most lines of a big log.
    const event: { -readonly [K in keyof PoolEvent]?: PoolEvent[K] } = { type, source: 'postgres', atMillis: context.atMillis, line: context.lineNumber, pool: 'server' }
    const { pid } = context
    if (pid !== undefined) {
      event.connection = String(pid)
      event.backendPid = pid
    }
    if (who.application !== undefined) event.application = who.application
    if (who.user !== undefined) event.user = who.user
    if (who.database !== undefined) event.database = who.database
    if (extra.sessionSeconds !== undefined) event.sessionSeconds = extra.sessionSeconds
    if (extra.text !== undefined) event.text = extra.text
    return event as PoolEvent
  }
}
