// What the server's own messages say about sessions, whichever of its log
// formats carried them: log_connections' `connection authorized`,
// log_disconnections' `disconnection`, and the FATALs that refuse a
// connection. The stderr, csvlog and jsonlog readers find the severity and
// message; this turns them into events, remembering per backend pid what
// only the authorized line says (the application name: the common Debian
// prefix `%m [%p] %q%u@%d ` never prints it).
import type { PoolEvent, PoolEventType } from '../../../core/pool-event.js'
import { bytesAt, indexOfBytes, textOf } from '../line-bytes.js'
import { byteDigitsAt } from './local-date-time.js'

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
const EMPTY_BYTES = Buffer.alloc(0)

/** How the messages that matter for sessions begin, by severity. */
const LOG_MESSAGES: readonly (readonly [string, ServerMessageKind])[] = [
  ['connection authorized: ', 'authorized'],
  ['connection received: ', 'received'],
  ['disconnection: session time: ', 'disconnection'],
  ['replication connection authorized: ', 'authorized'],
  ['database system is ready to accept connections', 'ready'],
]
const FATAL_MESSAGES: readonly (readonly [string, ServerMessageKind])[] = [
  ['sorry, too many clients already', 'too-many'],
  ['remaining connection slots are reserved for ', 'too-many'],
  ['too many connections for role ', 'too-many'],
  ['too many connections for database ', 'too-many'],
  // Raised in InitPostgres after `connection authorized` was logged, and
  // before log_disconnections is armed: such a backend never logs its end.
  ['database "', 'refused'],
  ['role "', 'refused'],
  ['permission denied for database ', 'refused'],
]
/** The same as bytes, prefixes and kinds side by side: looked up on every line. */
const LOG_PREFIXES = LOG_MESSAGES.map(([prefix]) => Buffer.from(prefix))
const LOG_KINDS = LOG_MESSAGES.map(([, kind]) => kind)
const FATAL_PREFIXES = FATAL_MESSAGES.map(([prefix]) => Buffer.from(prefix))
const FATAL_KINDS = FATAL_MESSAGES.map(([, kind]) => kind)

/**
 * The kind of a LOG or FATAL message that matters for sessions, looking only
 * at how it starts (at `from` in `text`), so most lines cost a comparison or two.
 */
export function classifyServerMessage(severity: string, text: string, from: number): ServerMessageKind | undefined {
  const messages = severity === 'LOG' ? LOG_MESSAGES : severity === 'FATAL' ? FATAL_MESSAGES : undefined
  if (!messages) return undefined
  const first = text.charCodeAt(from)
  for (const [prefix, kind] of messages) if (prefix.charCodeAt(0) === first && text.startsWith(prefix, from)) return kind
  return undefined
}

/** `classifyServerMessage` on a line's bytes, the message starting at `from` and the line ending at `end`. */
export function classifyServerMessageBytes(severity: string, bytes: Buffer, from: number, end: number): ServerMessageKind | undefined {
  const isLog = severity === 'LOG'
  if (!isLog && severity !== 'FATAL') return undefined
  const prefixes = isLog ? LOG_PREFIXES : FATAL_PREFIXES
  const first = bytes[from]
  for (let i = 0; i < prefixes.length; i++) {
    const prefix = prefixes[i]!
    if (prefix[0] === first && bytesAt(bytes, from, end, prefix)) return (isLog ? LOG_KINDS : FATAL_KINDS)[i]
  }
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

const AUTHORIZED_USER = Buffer.from('connection authorized: user=')
const DATABASE = Buffer.from(' database=')
const APPLICATION_NAME = Buffer.from(' application_name=')
const SSL_ENABLED = Buffer.from(' SSL enabled (')
const GSS = Buffer.from(' GSS (')
const USER = Buffer.from(' user=')
const HOST = Buffer.from(' host=')
const DISCONNECTION_LENGTH = 'disconnection: session time: '.length

/** Where `bytes[from..end)` ends, less trailing spaces (a CR left by a CRLF file, too). */
function trimmedEnd(bytes: Uint8Array, from: number, end: number): number {
  while (end > from && (bytes[end - 1] === 32 || bytes[end - 1] === 13)) end--
  return end
}

/** Where `needle` first starts in `bytes[from..end)`, or -1. */
function find(bytes: Buffer, needle: Uint8Array, from: number, end: number): number {
  return from < 0 ? -1 : indexOfBytes(bytes, needle, from, end, end)
}

/** The smallest of the positions that were found (not -1), else `fallback`. */
function firstFound(fallback: number, a: number, b = -1): number {
  let first = fallback
  if (a !== -1 && a < first) first = a
  if (b !== -1 && b < first) first = b
  return first
}

/** Where the fields of `connection authorized` are in its line's bytes (-1: absent). */
interface AuthorizedFields {
  userStart: number
  userEnd: number
  databaseStart: number
  databaseEnd: number
  applicationStart: number
  applicationEnd: number
}

/**
 * `connection authorized: user=U database=D application_name=A SSL enabled (...)`:
 * database, application_name and the SSL/GSS part each only when they apply.
 * An application name may hold spaces (pgjdbc's is `PostgreSQL JDBC Driver`),
 * so it runs to the SSL/GSS part or the end. Fills `into`, so no object is made per line.
 */
function authorizedFields(bytes: Buffer, from: number, lineEnd: number, into: AuthorizedFields): boolean {
  // `connection authorized: user=` starts the message, unless it is a replication connection's.
  const userAt = bytesAt(bytes, from, lineEnd, AUTHORIZED_USER) ? from : find(bytes, AUTHORIZED_USER, from, lineEnd)
  if (userAt === -1) return false
  const userStart = userAt + AUTHORIZED_USER.length
  const end = trimmedEnd(bytes, from, lineEnd)
  const databaseAt = find(bytes, DATABASE, userStart, end)
  const applicationAt = find(bytes, APPLICATION_NAME, userStart, end)
  const after = Math.max(userStart, databaseAt, applicationAt)
  const suffixAt = firstFound(end, find(bytes, SSL_ENABLED, after, end), find(bytes, GSS, after, end))
  into.userStart = userStart
  into.userEnd = firstFound(suffixAt, databaseAt, applicationAt)
  into.databaseStart = databaseAt === -1 ? -1 : databaseAt + DATABASE.length
  into.databaseEnd = databaseAt === -1 ? -1 : firstFound(suffixAt, applicationAt)
  into.applicationStart = applicationAt === -1 ? -1 : applicationAt + APPLICATION_NAME.length
  into.applicationEnd = suffixAt
  return true
}

/** Where the fields of `disconnection` are in its line's bytes, and the session's length. */
interface DisconnectionFields {
  sessionSeconds: number
  userStart: number
  userEnd: number
  databaseStart: number
  databaseEnd: number
}

/** `disconnection: session time: H:MM:SS.mmm user=U database=D host=H[ port=P]`, hours not padded. */
function disconnectionFields(bytes: Buffer, from: number, end: number, into: DisconnectionFields): boolean {
  let at = from + DISCONNECTION_LENGTH
  let hours = 0
  for (; at < end; at++) {
    const digit = bytes[at]! - 48
    if (!(digit >= 0 && digit <= 9)) break
    hours = hours * 10 + digit
  }
  if (at + 10 > end || bytes[at] !== 58 || bytes[at + 3] !== 58 || bytes[at + 6] !== 46) return false
  const minutes = byteDigitsAt(bytes, at + 1, 2)
  const seconds = byteDigitsAt(bytes, at + 4, 2)
  const millis = byteDigitsAt(bytes, at + 7, 3)
  if (minutes < 0 || seconds < 0 || millis < 0) return false
  // ` user=` follows the session time (`H:MM:SS.mmm`), unless a server writes it otherwise.
  const userAt = bytesAt(bytes, at + 10, end, USER) ? at + 10 : find(bytes, USER, at, end)
  const databaseAt = find(bytes, DATABASE, userAt, end)
  const hostAt = find(bytes, HOST, databaseAt, end)
  if (userAt === -1 || databaseAt === -1 || hostAt === -1) return false
  into.sessionSeconds = hours * 3600 + minutes * 60 + seconds + millis / 1000
  into.userStart = userAt + USER.length
  into.userEnd = databaseAt
  into.databaseStart = databaseAt + DATABASE.length
  into.databaseEnd = hostAt
  return true
}

const LIMITED_NAME = /too many connections for (role|database) "(.*)"/y

/**
 * A copy of a short string that does not keep the text it was cut from
 * alive: V8 slices share their parent's memory, and a log line can be long.
 */
function detached(value: string): string {
  return (' ' + value).slice(1)
}

/** Names last decoded, as bytes and text: the same few users, databases and applications come back on every line. */
const RECENT_NAMES = 16

/** Names repeat across thousands of sessions: keep one copy of each (up to a bound), and decode each once. */
class NameTable {
  readonly #names = new Map<string, string>()
  readonly #recentBytes: Buffer[] = []
  readonly #recentText: string[] = []
  #nextRecent = 0
  #lastFound = 0

  /** One copy of `name`, which may be a slice of a longer text: what is kept is a copy of its own. */
  intern(name: string): string {
    return this.#keep(name, true)
  }

  #keep(name: string, isSlice: boolean): string {
    const known = this.#names.get(name)
    if (known !== undefined) return known
    const kept = isSlice ? detached(name) : name
    if (this.#names.size < 10_000) this.#names.set(kept, kept)
    return kept
  }

  /** The name in `bytes[start..end)`, decoded only when it is not one of the last few. */
  internBytes(bytes: Buffer, start: number, end: number): string {
    const length = end - start
    const recent = this.#recentBytes
    // The name found last time is the likeliest: lines alternate between a few.
    const likely = recent[this.#lastFound]
    if (likely !== undefined && likely.length === length && bytesAt(bytes, start, end, likely)) return this.#recentText[this.#lastFound]!
    for (let i = 0; i < recent.length; i++) {
      const candidate = recent[i]!
      if (candidate.length === length && bytesAt(bytes, start, end, candidate)) {
        this.#lastFound = i
        return this.#recentText[i]!
      }
    }
    // Decoded text is a string of its own (not a slice of anything): it can be kept as it is.
    const name = this.#keep(textOf(bytes, start, end), false)
    const slot = this.#nextRecent
    recent[slot] = Buffer.from(bytes.subarray(start, end))
    this.#recentText[slot] = name
    this.#nextRecent = (slot + 1) % RECENT_NAMES
    return name
  }
}

export class ServerSessions {
  /** Open sessions only: an entry is removed when its backend ends or is refused. */
  readonly #open = new Map<number, OpenSession>()
  readonly #names = new NameTable()
  /** Where the fields of the line being read are: filled in place, so no object is made per line. */
  readonly #authorizedFields: AuthorizedFields = { userStart: 0, userEnd: 0, databaseStart: -1, databaseEnd: -1, applicationStart: -1, applicationEnd: -1 }
  readonly #disconnectionFields: DisconnectionFields = { sessionSeconds: 0, userStart: 0, userEnd: 0, databaseStart: 0, databaseEnd: 0 }

  get openCount(): number {
    return this.#open.size
  }

  /** Events for a message `classifyServerMessage` gave `kind` for; the message is `text` from `from` on. */
  record(kind: ServerMessageKind, text: string, from: number, context: ServerMessageContext): readonly PoolEvent[] {
    if (kind === 'received' || kind === 'ready') return this.recordBytes(kind, EMPTY_BYTES, 0, 0, context)
    const bytes = Buffer.from(text)
    return this.recordBytes(kind, bytes, from === 0 ? 0 : Buffer.byteLength(text.slice(0, from)), bytes.length, context)
  }

  /** `record` on a line's bytes: the message is `bytes[from..end)`. */
  recordBytes(kind: ServerMessageKind, bytes: Buffer, from: number, end: number, context: ServerMessageContext): readonly PoolEvent[] {
    const { pid } = context
    switch (kind) {
      case 'received':
        if (pid !== undefined) this.#open.delete(pid)
        return EMPTY
      case 'ready':
        this.#open.clear()
        return EMPTY
      case 'authorized':
        return this.#authorized(bytes, from, end, context)
      case 'disconnection':
        return this.#disconnection(bytes, from, end, context)
      case 'too-many':
        return this.#refused(textOf(bytes, from, end), context, true)
      case 'refused':
        return this.#refused(textOf(bytes, from, end), context, false)
    }
  }

  #authorized(bytes: Buffer, from: number, end: number, context: ServerMessageContext): readonly PoolEvent[] {
    const fields = this.#authorizedFields
    if (!authorizedFields(bytes, from, end, fields)) return EMPTY
    const session: OpenSession = {
      application: fields.applicationStart !== -1 && fields.applicationEnd > fields.applicationStart ? this.#names.internBytes(bytes, fields.applicationStart, fields.applicationEnd) : undefined,
      user: fields.userEnd > fields.userStart ? this.#names.internBytes(bytes, fields.userStart, fields.userEnd) : undefined,
      database: fields.databaseStart !== -1 && fields.databaseEnd > fields.databaseStart ? this.#names.internBytes(bytes, fields.databaseStart, fields.databaseEnd) : undefined,
      startMillis: context.atMillis,
    }
    // A pid seen again is a new backend: the old session's state is simply replaced.
    if (context.pid !== undefined) this.#open.set(context.pid, session)
    return [this.#event('session-start', context, session)]
  }

  #disconnection(bytes: Buffer, from: number, end: number, context: ServerMessageContext): readonly PoolEvent[] {
    const fields = this.#disconnectionFields
    if (!disconnectionFields(bytes, from, end, fields)) return EMPTY
    const open = this.#take(context.pid)
    const application = open?.application ?? this.#columnApplication(context)
    const user = this.#names.internBytes(bytes, fields.userStart, fields.userEnd)
    const database = this.#names.internBytes(bytes, fields.databaseStart, fields.databaseEnd)
    return [this.#event('session-end', context, { application, user, database }, { sessionSeconds: fields.sessionSeconds })]
  }

  /** A refusal: rare, so read from the decoded message. */
  #refused(message: string, context: ServerMessageContext, limit: boolean): readonly PoolEvent[] {
    const open = this.#take(context.pid)
    const text = message.trimEnd()
    const events: PoolEvent[] = []
    if (limit) {
      LIMITED_NAME.lastIndex = 0
      const named = LIMITED_NAME.exec(text)
      const who = {
        application: open?.application ?? this.#columnApplication(context),
        user: named?.[1] === 'role' ? named[2] : open?.user,
        database: named?.[1] === 'database' ? named[2] : open?.database,
      }
      events.push(this.#event('too-many-clients', context, who, { text }))
    }
    // The backend had logged `connection authorized`: close its session here,
    // since no disconnection line will.
    if (open) {
      const sessionSeconds = open.startMillis !== null && context.atMillis !== null ? Math.max(0, context.atMillis - open.startMillis) / 1000 : undefined
      events.push(this.#event('session-end', context, open, { sessionSeconds, text }))
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
