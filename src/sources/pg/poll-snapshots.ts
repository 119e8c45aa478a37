// Polls pg_stat_activity every interval over pgleak's one connection. When
// the connection drops (server restart, network, pg_terminate_backend) it
// says so, reconnects with backoff, and reports the gap; it never holds more
// than one connection, closing the old one before opening the next.
import { assertSupportedServer } from '../../core/audit-report.js'
import type { ServerSettings, Snapshot } from '../../core/snapshot.js'
import { isPgleakError, type PgleakError } from '../../errors.js'
import type { ConnectionTarget } from './connection-target.js'
import { PgleakSession, type SessionOptions } from './pgleak-session.js'
import { readServerSettings, readSnapshot } from './read-snapshot.js'

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

/**
 * The first connection must succeed (its error is thrown, for exit 3);
 * after that, losing the server is an event, not an error.
 */
export async function* pollSnapshots(target: ConnectionTarget, options: PollOptions): AsyncGenerator<PollEvent> {
  let { session, settings } = await connect(target, options)
  yield { type: 'connected', settings, isReconnect: false }
  let lastSampleMillis: number | undefined
  let pendingGap: string | undefined
  try {
    while (!options.signal.aborted) {
      const started = Date.now()
      try {
        const snapshot = await readSnapshot(session, settings.versionNum)
        if (pendingGap !== undefined) {
          yield { type: 'gap', fromMillis: lastSampleMillis ?? snapshot.sampledAtMillis, toMillis: snapshot.sampledAtMillis, reason: pendingGap }
          pendingGap = undefined
        }
        lastSampleMillis = snapshot.sampledAtMillis
        yield { type: 'snapshot', snapshot, queryMillis: Date.now() - started }
      } catch (error) {
        if (!isPgleakError(error)) throw error
        if (error.code !== 'CONNECTION_LOST') {
          yield { type: 'skipped', error }
        } else {
          await session.close()
          const reconnected = yield* reconnect(target, options, error)
          if (!reconnected) return
          ;({ session, settings } = reconnected)
          pendingGap = error.message
          yield { type: 'connected', settings, isReconnect: true }
          continue
        }
      }
      await sleep(pollIntervalMillis(options.intervalMillis, 0) - (Date.now() - started), options.signal)
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
      return await connect(target, options)
    } catch (next) {
      if (!isPgleakError(next) || !LOST_CONNECTION_CODES.has(next.code)) throw next
      error = next
    }
  }
  return undefined
}
