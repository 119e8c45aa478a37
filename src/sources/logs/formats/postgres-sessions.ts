// What the server's own messages say about sessions, whichever of its log
// formats carried them: log_connections' `connection authorized`,
// log_disconnections' `disconnection`, and the FATALs that refuse a
// connection. The stderr, csvlog and jsonlog readers find the severity and
// message; this turns them into events, remembering per backend pid what
// only the authorized line says (the application name: the common Debian
// prefix `%m [%p] %q%u@%d ` never prints it).
import type { PoolEvent, PoolEventType } from '../../../core/pool-event.js'
import { bytesAt, Needle, repeated, skipWordsWithout, textOf } from '../line-bytes.js'
import { byteDigitsAt } from './local-date-time.js'
import { OpenSessions } from './open-sessions.js'

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
/** A message start as bytes, with the one byte after the first that tells it from the others sharing its first. */
interface MessagePrefix {
  readonly needle: Needle
  readonly kind: ServerMessageKind
  readonly probe: number
}

function messagePrefixes(messages: readonly (readonly [string, ServerMessageKind])[]): readonly MessagePrefix[] {
  const all = messages.map(([prefix]) => new Needle(prefix))
  return all.map((needle, i) => {
    const bytes = needle.bytes
    const rivals = all.filter((other, j) => j !== i && other.bytes[0] === bytes[0]).map((other) => other.bytes)
    let probe = 1
    while (probe < bytes.length - 1 && rivals.some((other) => other[probe] === bytes[probe])) probe++
    return { needle, kind: messages[i]![1], probe }
  })
}

/** Looked up on every line: a first byte and a probe byte turn most candidates away before a whole prefix is compared. */
const LOG_PREFIXES = messagePrefixes(LOG_MESSAGES)
const FATAL_PREFIXES = messagePrefixes(FATAL_MESSAGES)

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
  const prefixes = severity === 'LOG' ? LOG_PREFIXES : severity === 'FATAL' ? FATAL_PREFIXES : undefined
  if (!prefixes) return undefined
  const first = bytes[from]
  for (let i = 0; i < prefixes.length; i++) {
    const { needle, probe, kind } = prefixes[i]!
    const prefix = needle.bytes
    if (prefix[0] === first && bytes[from + probe] === prefix[probe] && needle.isAt(bytes, from, end)) return kind
  }
  return undefined
}

/** Where a message was found: enough to build an event, computed only for messages that matter. */
export interface ServerMessageContext {
  readonly pid: number | undefined
  readonly atMillis: number | null
  readonly lineNumber: number
  /** The session's application name from a csvlog/jsonlog column, when the message itself lacks it. */
  readonly application?: string | undefined
}

const AUTHORIZED_USER = new Needle('connection authorized: user=')
const AUTHORIZED_LENGTH = 'connection authorized: '.length
const REPLICATION_AUTHORIZED_LENGTH = 'replication connection authorized: '.length
const USER_IS = new Needle('user=')
const DATABASE = new Needle(' database=')
const APPLICATION_NAME = new Needle(' application_name=')
const SSL_ENABLED = new Needle(' SSL enabled (')
const GSS = new Needle(' GSS (')
const USER = new Needle(' user=')
const HOST = new Needle(' host=')
const SPACES = repeated(32)
const DISCONNECTION_LENGTH = 'disconnection: session time: '.length

/** Where `bytes[from..end)` ends, less trailing spaces (a CR left by a CRLF file, too). */
function trimmedEnd(bytes: Uint8Array, from: number, end: number): number {
  while (end > from && (bytes[end - 1] === 32 || bytes[end - 1] === 13)) end--
  return end
}

/** Where `needle` first starts in `bytes[from..end)`, or -1 (also when `from` is: a field not found before it). */
function find(bytes: Buffer, needle: Needle, from: number, end: number): number {
  return from < 0 ? -1 : needle.indexIn(bytes, from, end)
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
  // `connection authorized: ` or `replication connection authorized: ` starts the message (it was
  // classified so), and `user=` follows, unless a server writes it otherwise.
  const afterPrefix = from + (bytes[from] === 114 /* r */ ? REPLICATION_AUTHORIZED_LENGTH : AUTHORIZED_LENGTH)
  const userAt = USER_IS.isAt(bytes, afterPrefix, lineEnd) ? afterPrefix - AUTHORIZED_LENGTH : find(bytes, AUTHORIZED_USER, from, lineEnd)
  if (userAt === -1) return false
  const userStart = userAt + AUTHORIZED_USER.length
  const end = trimmedEnd(bytes, from, lineEnd)
  // One pass over the rest: the first ` database=` and ` application_name=`, and the first
  // ` SSL enabled (` or ` GSS (` after both (an application name may hold anything).
  let databaseAt = -1
  let applicationAt = -1
  let suffixAt = -1
  for (let at = userStart; at < end; at++) {
    // Names run between spaces.
    at = skipWordsWithout(bytes, SPACES, at, end)
    if (bytes[at] !== 32) continue
    const next = bytes[at + 1]
    if (next === 100 /* d */) {
      if (databaseAt === -1 && DATABASE.isAt(bytes, at, end)) {
        databaseAt = at
        suffixAt = -1
      }
    } else if (next === 97 /* a */) {
      if (applicationAt === -1 && APPLICATION_NAME.isAt(bytes, at, end)) {
        applicationAt = at
        suffixAt = -1
      }
    } else if (suffixAt === -1 && (next === 83 /* S */ || next === 71) /* G */ && (SSL_ENABLED.isAt(bytes, at, end) || GSS.isAt(bytes, at, end))) {
      suffixAt = at
    }
  }
  if (suffixAt === -1) suffixAt = end
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
  const userAt = USER.isAt(bytes, at + 10, end) ? at + 10 : find(bytes, USER, at, end)
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

/** Pids whose text is remembered (a power of two). */
const PID_TEXTS = 256

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
  /** Open sessions only: one is removed when its backend ends or is refused. */
  readonly #open = new OpenSessions()
  /** One table per field: a log's lines repeat the same user and database, and cycle through a few applications. */
  readonly #users = new NameTable()
  readonly #databases = new NameTable()
  readonly #applications = new NameTable()
  readonly #pidTextKeys = new Float64Array(PID_TEXTS).fill(-1)
  readonly #pidTexts = new Array<string>(PID_TEXTS)
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
        if (pid !== undefined) this.#open.remove(pid)
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
    const application = fields.applicationStart !== -1 && fields.applicationEnd > fields.applicationStart ? this.#applications.internBytes(bytes, fields.applicationStart, fields.applicationEnd) : undefined
    const user = fields.userEnd > fields.userStart ? this.#users.internBytes(bytes, fields.userStart, fields.userEnd) : undefined
    const database = fields.databaseStart !== -1 && fields.databaseEnd > fields.databaseStart ? this.#databases.internBytes(bytes, fields.databaseStart, fields.databaseEnd) : undefined
    // A pid seen again is a new backend: the old session's state is simply replaced.
    if (context.pid !== undefined) this.#open.open(context.pid, application, user, database, context.atMillis)
    return [this.#event('session-start', context, application, user, database)]
  }

  #disconnection(bytes: Buffer, from: number, end: number, context: ServerMessageContext): readonly PoolEvent[] {
    const fields = this.#disconnectionFields
    if (!disconnectionFields(bytes, from, end, fields)) return EMPTY
    const open = this.#take(context.pid) ? this.#open : undefined
    const application = open?.application ?? this.#columnApplication(context)
    // The same backend's user and database as on its authorized line, already decoded then.
    const user = open?.user ?? this.#users.internBytes(bytes, fields.userStart, fields.userEnd)
    const database = open?.database ?? this.#databases.internBytes(bytes, fields.databaseStart, fields.databaseEnd)
    return [this.#event('session-end', context, application, user, database, fields.sessionSeconds)]
  }

  /** A refusal: rare, so read from the decoded message. */
  #refused(message: string, context: ServerMessageContext, limit: boolean): readonly PoolEvent[] {
    const open = this.#open
    const wasOpen = this.#take(context.pid)
    const application = (wasOpen ? open.application : undefined) ?? this.#columnApplication(context)
    const text = message.trimEnd()
    const events: PoolEvent[] = []
    if (limit) {
      LIMITED_NAME.lastIndex = 0
      const named = LIMITED_NAME.exec(text)
      const user = named?.[1] === 'role' ? named[2] : wasOpen ? open.user : undefined
      const database = named?.[1] === 'database' ? named[2] : wasOpen ? open.database : undefined
      events.push(this.#event('too-many-clients', context, application, user, database, undefined, text))
    }
    // The backend had logged `connection authorized`: close its session here,
    // since no disconnection line will.
    if (wasOpen) {
      const sessionSeconds = open.startMillis !== null && context.atMillis !== null ? Math.max(0, context.atMillis - open.startMillis) / 1000 : undefined
      events.push(this.#event('session-end', context, open.application, open.user, open.database, sessionSeconds, text))
    }
    return events
  }

  /** Ends `pid`'s open session, if it has one, leaving what it held in `#open`'s fields. */
  #take(pid: number | undefined): boolean {
    return pid !== undefined && this.#open.take(pid)
  }

  #columnApplication(context: ServerMessageContext): string | undefined {
    return context.application ? this.#applications.intern(context.application) : undefined
  }

  #event(
    type: PoolEventType,
    context: ServerMessageContext,
    application: string | undefined,
    user: string | undefined,
    database: string | undefined,
    sessionSeconds?: number,
    text?: string,
  ): PoolEvent {
    const { pid } = context
    // Every field set, absent ones as undefined, in one order: the ledger then sees one shape of
    // event from this parser, which keeps its property reads fast on a log of millions of lines.
    return {
      type,
      source: 'postgres',
      atMillis: context.atMillis,
      line: context.lineNumber,
      pool: 'server',
      connection: pid === undefined ? undefined : this.#pidText(pid),
      backendPid: pid,
      application,
      user,
      database,
      sessionSeconds,
      text,
    }
  }

  /** `String(pid)`, remembered for the pid's next line: a session's start and end both need it. */
  #pidText(pid: number): string {
    const slot = pid & (PID_TEXTS - 1)
    if (this.#pidTextKeys[slot] !== pid) {
      this.#pidTextKeys[slot] = pid
      this.#pidTexts[slot] = String(pid)
    }
    return this.#pidTexts[slot]!
  }
}
