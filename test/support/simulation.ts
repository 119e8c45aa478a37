// Synthetic workloads polled at a fixed interval, for detector tests whose
// timing must be exact. Recorded real-server timelines sit beside them.
import type { Finding } from '../../src/core/finding.js'
import { runTimelineDetectors } from '../../src/core/detectors/index.js'
import { FindingTracker } from '../../src/core/finding-tracker.js'
import type { GroupDimension } from '../../src/core/grouping.js'
import type { ServerSettings } from '../../src/core/snapshot.js'
import { DEFAULT_THRESHOLDS, type Thresholds } from '../../src/core/thresholds.js'
import { Timeline } from '../../src/core/timeline/timeline.js'
import type { Backend } from '../../src/core/backend.js'
import { backend, NOW, settings as defaultSettings } from './builders.js'

/** A session of the simulated application, alive from `openAt` to `closeAt` (seconds). */
export interface SimulatedSession {
  readonly id: number
  readonly application: string
  readonly openAt: number
  readonly closeAt?: number
  /** Seconds at which it runs a statement; it is idle between them. */
  readonly queriesAt?: readonly number[]
}

export interface SimulationResult {
  readonly timeline: Timeline
  readonly tracker: FindingTracker
  /** Seconds into the run at which each kind was first reported. */
  readonly firstReportedAt: Partial<Record<Finding['kind'], number>>
}

export function backendAt(session: SimulatedSession, second: number): Backend {
  const queries = (session.queriesAt ?? [session.openAt]).filter((q) => q <= second)
  const lastQuery = queries.length > 0 ? queries[queries.length - 1]! : session.openAt
  return backend({
    pid: 10_000 + session.id,
    application: session.application,
    backendStartMillis: NOW + session.openAt * 1000,
    queryStartMillis: NOW + lastQuery * 1000,
    stateChangeMillis: NOW + lastQuery * 1000 + 5,
    state: 'idle',
  })
}

export function simulate(options: {
  seconds: number
  intervalSeconds?: number
  sessions: readonly SimulatedSession[]
  thresholds?: Partial<Thresholds>
  settings?: Partial<ServerSettings>
  groupBy?: readonly GroupDimension[]
  /** Give each snapshot the server's count of sessions ever opened (pg_stat_database.sessions, PostgreSQL 14+). */
  countsSessions?: boolean
}): SimulationResult {
  const interval = options.intervalSeconds ?? 1
  const timeline = new Timeline({ groupBy: options.groupBy ?? ['app'] })
  const tracker = new FindingTracker()
  const thresholds = { ...DEFAULT_THRESHOLDS, ...options.thresholds }
  const serverSettings = defaultSettings({ idleInTransactionSessionTimeoutMillis: 60_000, ...options.settings })
  const firstReportedAt: Partial<Record<Finding['kind'], number>> = {}
  for (let second = 0; second <= options.seconds; second += interval) {
    const alive = options.sessions.filter((s) => s.openAt <= second && (s.closeAt === undefined || s.closeAt > second))
    const sessionsEstablished = options.countsSessions ? options.sessions.filter((s) => s.openAt <= second).length : null
    timeline.ingest({ sampledAtMillis: NOW + second * 1000, backends: alive.map((s) => backendAt(s, second)), sessionsEstablished })
    const findings = runTimelineDetectors({ timeline, settings: serverSettings, thresholds, ignore: [] })
    tracker.update(findings, NOW + second * 1000)
    for (const finding of findings) firstReportedAt[finding.kind] ??= second
  }
  return { timeline, tracker, firstReportedAt }
}

let nextId = 0

/** A pool of `size` connections opened at the start and used every second. */
export function steadyPool(application: string, size: number, seconds: number): SimulatedSession[] {
  const queriesAt = Array.from({ length: seconds + 1 }, (_, i) => i)
  return Array.from({ length: size }, () => ({ id: nextId++, application, openAt: 0, queriesAt }))
}

/** `perSecond` connections a second, each open for `lifeSeconds` (under a poll's interval when short). */
export function connectionPerRequest(application: string, perSecond: number, lifeSeconds: number, seconds: number): SimulatedSession[] {
  const sessions: SimulatedSession[] = []
  for (let t = 0; t < seconds; t += 1 / perSecond) sessions.push({ id: nextId++, application, openAt: t, closeAt: t + lifeSeconds })
  return sessions
}

/** One new connection every `everySeconds`, used once and never closed. */
export function leakEvery(application: string, everySeconds: number, seconds: number, from = 0): SimulatedSession[] {
  const sessions: SimulatedSession[] = []
  for (let t = from; t <= seconds; t += everySeconds) sessions.push({ id: nextId++, application, openAt: t, queriesAt: [t] })
  return sessions
}

/** A pool of `base` that bursts to `peak` for half of every `periodSeconds`, closing the extra ones after. */
export function burstyPool(application: string, base: number, peak: number, periodSeconds: number, seconds: number): SimulatedSession[] {
  const sessions = steadyPool(application, base, seconds)
  for (let t = 0; t < seconds; t += periodSeconds) {
    for (let i = 0; i < peak - base; i++) sessions.push({ id: nextId++, application, openAt: t + 1, closeAt: t + periodSeconds / 2 + 1, queriesAt: [t + 1, t + 2, t + 3] })
  }
  return sessions
}
