// Polls pg_stat_activity every interval over pgleak's one connection. When
// the connection drops (server restart, network, pg_terminate_backend) it
// says so, reconnects with backoff, and reports the gap; it never holds more
// than one connection, closing the old one before opening the next. Every
// wait has a deadline: a poll the server does not answer in time (a stopped
// server, a network that stops forwarding) is abandoned like a dropped
// connection, and stopping (--duration, a signal) is honoured at once, a gap
// still open then being closed at the end.
import { assertSupportedServer } from '../../core/audit-report.js'
import type { ServerSettings, Snapshot } from '../../core/snapshot.js'
import { isPgleakError, PgleakError } from '../../errors.js'
import type { ConnectionTarget } from './connection-target.js'
import { PgleakSession, type SessionOptions } from './pgleak-session.js'
import { readServerSettings, SnapshotReader } from './read-snapshot.js'

export type PollEvent =
  | { readonly type: 'connected'; readonly settings: ServerSettings; readonly isReconnect: boolean }
  | { readonly type: 'snapshot'; readonly snapshot: Snapshot; readonly queryMillis: number }
  | { readonly type: 'disconnected'; readonly error: PgleakError; readonly retryInMillis: number; readonly attempt: number }
  | { readonly type: 'gap'; readonly fromMillis: number; readonly toMillis: number; readonly reason: string }
  | { readonly type: 'skipped'; readonly error: PgleakError }

/** The shortest interval between polls: pgleak must stay a light load on the server it watches. */
const MIN_INTERVAL_MILLIS = 100

/** The interval polling uses for the one asked for (or `fallback` when none was). */
export function pollIntervalMillis(requested: number | undefined, fallback: number): number {
  return Math.max(MIN_INTERVAL_MILLIS, requested ?? fallback)
}

export interface PollOptions extends SessionOptions {
  readonly intervalMillis: number
  readonly signal: AbortSignal
  /** Longest wait between reconnection attempts. (Default: 30 000.) */
  readonly maxBackoffMillis?: number
}

const LOST_CONNECTION_CODES = new Set(['CONNECTION_LOST', 'CONNECTION_REFUSED', 'SERVER_NOT_READY', 'CONNECT_TIMEOUT', 'HOST_NOT_FOUND', 'TOO_MANY_CLIENTS'])

export function sleep(millis: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted || millis <= 0) return resolve()
    const timer = setTimeout(done, millis)
    function done(): void {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    signal.addEventListener('abort', done, { once: true })
  })
}

/** Beyond the server's own statement timeout, how long pgleak waits for an answer before calling the server silent. */
const ANSWER_MARGIN_MILLIS = 2000

/** A poll unanswered this long when the run stops (and twice the interval) counts as silence, not a poll in flight. */
const SILENT_AFTER_MILLIS = 2000

/** Stopping, as a value: what a wait returns when the run ends while it waits. */
const STOPPED = Symbol('stopped')

/**
 * `work`, or STOPPED as soon as `signal` aborts, or a CONNECTION_LOST error after `deadlineMillis`:
 * no wait on the network outlives the run or its deadline. Work still going when it is given up on
 * is left to finish on its own (`onAbandoned` gets what it ends with, to close it).
 */
async function withinDeadline<T>(work: Promise<T>, deadlineMillis: number, signal: AbortSignal, onAbandoned?: (value: T) => void): Promise<T | typeof STOPPED> {
  let timer: NodeJS.Timeout | undefined
  let onAbort: (() => void) | undefined
  let isSettled = false
  const stopped = new Promise<typeof STOPPED>((resolve) => {
    onAbort = () => resolve(STOPPED)
    if (signal.aborted) resolve(STOPPED)
    else signal.addEventListener('abort', onAbort, { once: true })
  })
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new PgleakError('CONNECTION_LOST', `no answer from the server for ${Math.round(deadlineMillis / 1000)} s`, { hint: 'The server is stopped, overloaded or unreachable; pgleak keeps trying.' })),
      deadlineMillis,
    )
  })
  work.then(
    (value) => {
      if (isSettled && onAbandoned) onAbandoned(value)
    },
    () => undefined,
  )
  try {
    return await Promise.race([work, stopped, timedOut])
  } finally {
    isSettled = true
    clearTimeout(timer)
    if (onAbort) signal.removeEventListener('abort', onAbort)
  }
}

async function connect(target: ConnectionTarget, options: PollOptions): Promise<{ session: PgleakSession; settings: ServerSettings }> {
  const session = await PgleakSession.open(target, options)
  try {
    const settings = await readServerSettings(session)
    assertSupportedServer(settings)
    return { session, settings }
  } catch (error) {
    await session.close()
    throw error
  }
}

/** A connection, or STOPPED when the run ends while connecting (a connection made after that is closed). */
function connectUnlessStopped(target: ConnectionTarget, options: PollOptions): Promise<{ session: PgleakSession; settings: ServerSettings } | typeof STOPPED> {
  const deadline = (options.connectTimeoutMillis ?? 10_000) + (options.statementTimeoutMillis ?? 10_000) + ANSWER_MARGIN_MILLIS
  return withinDeadline(connect(target, options), deadline, options.signal, (late) => void late.session.close())
}

/**
 * The first connection must succeed (its error is thrown, for exit 3);
 * after that, losing the server is an event, not an error.
 */
export async function* pollSnapshots(target: ConnectionTarget, options: PollOptions): AsyncGenerator<PollEvent> {
  const first = await connectUnlessStopped(target, options)
  if (first === STOPPED) return
  let { session, settings } = first
  let reader = new SnapshotReader(settings.versionNum)
  yield { type: 'connected', settings, isReconnect: false }
  const answerDeadline = (options.statementTimeoutMillis ?? 10_000) + ANSWER_MARGIN_MILLIS
  let lastSampleMillis: number | undefined
  /** This machine's clock at the last sample: a gap still open at the end is closed in the server's time from it. */
  let lastSampleLocalMillis = Date.now()
  let pendingGap: string | undefined
  try {
    while (!options.signal.aborted) {
      const started = Date.now()
      try {
        const snapshot = await withinDeadline(reader.read(session), answerDeadline, options.signal)
        if (snapshot === STOPPED) {
          // Stopped while a poll had long gone unanswered: the silence up to the end is a gap.
          const waited = Date.now() - started
          if (waited >= Math.max(2 * options.intervalMillis, SILENT_AFTER_MILLIS)) pendingGap ??= `no answer from the server for ${Math.round(waited / 1000)} s`
          break
        }
        if (pendingGap !== undefined) {
          yield { type: 'gap', fromMillis: lastSampleMillis ?? snapshot.sampledAtMillis, toMillis: snapshot.sampledAtMillis, reason: pendingGap }
          pendingGap = undefined
        }
        lastSampleMillis = snapshot.sampledAtMillis
        lastSampleLocalMillis = Date.now()
        yield { type: 'snapshot', snapshot, queryMillis: Date.now() - started }
      } catch (error) {
        if (!isPgleakError(error)) throw error
        if (error.code !== 'CONNECTION_LOST') {
          yield { type: 'skipped', error }
        } else {
          await session.close()
          pendingGap = error.message
          const reconnected = yield* reconnect(target, options, error)
          if (!reconnected) break
          ;({ session, settings } = reconnected)
          reader = new SnapshotReader(settings.versionNum)
          yield { type: 'connected', settings, isReconnect: true }
          continue
        }
      }
      await sleep(pollIntervalMillis(options.intervalMillis, 0) - (Date.now() - started), options.signal)
    }
    // An outage that lasted to the end is a gap too, up to now.
    if (pendingGap !== undefined && lastSampleMillis !== undefined) {
      yield { type: 'gap', fromMillis: lastSampleMillis, toMillis: lastSampleMillis + (Date.now() - lastSampleLocalMillis), reason: `${pendingGap} (until the end)` }
    }
  } finally {
    await session.close()
  }
}

async function* reconnect(
  target: ConnectionTarget,
  options: PollOptions,
  cause: PgleakError,
): AsyncGenerator<PollEvent, { session: PgleakSession; settings: ServerSettings } | undefined> {
  let error = cause
  for (let attempt = 1; !options.signal.aborted; attempt++) {
    const retryInMillis = Math.min(options.maxBackoffMillis ?? 30_000, 500 * 2 ** (attempt - 1))
    yield { type: 'disconnected', error, retryInMillis, attempt }
    await sleep(retryInMillis, options.signal)
    if (options.signal.aborted) return undefined
    try {
      const connected = await connectUnlessStopped(target, options)
      return connected === STOPPED ? undefined : connected
    } catch (next) {
      if (!isPgleakError(next) || !LOST_CONNECTION_CODES.has(next.code)) throw next
      error = next
    }
  }
  return undefined
}
