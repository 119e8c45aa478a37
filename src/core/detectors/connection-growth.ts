import { isClientBackend, isIdleInTransaction, type Backend } from '../backend.js'
import { formatDuration } from '../duration.js'
import type { ConnectionGrowthEvidence, ConnectionGrowthFinding } from '../finding.js'
import { groupLabel, groupSubject } from '../group-subject.js'
import { linearFit, rangeOf, trailingMinimum } from '../series-math.js'
import { PGLEAK_OWN_CONNECTIONS, usableSlots } from '../snapshot.js'
import type { GroupTimeline } from '../timeline/timeline.js'
import type { TimelineDetectorInput } from './timeline-input.js'

const MIN_FLOOR_WINDOW_MILLIS = 30_000
const MAX_FLOOR_WINDOW_MILLIS = 10 * 60_000
const MAX_ANALYSIS_MILLIS = 60 * 60_000
const MIN_FIT = 0.6

/** Closer than this to running out is an error. */
const URGENT_ETA_SECONDS = 3600

/**
 * A group whose floor keeps rising: connections opened and never closed.
 * The floor is the lowest count over a trailing window (a quarter of what has
 * been watched, 30 s to 10 min), so a pool that bursts into overflow and
 * comes back down leaves it flat. It must rise by a few connections, hardly
 * ever fall, fit a steady rise, and still be rising now: a pool that warmed
 * up and levelled off is not a leak, but one pinned at its limit (the usable
 * slots, a role's or database's CONNECTION LIMIT) still is. No verdict before
 * one and a half floor windows (45 s) of data: abandoned-connections names
 * fast leaks sooner, from the connections themselves.
 */
export function detectConnectionGrowth(input: TimelineDetectorInput): ConnectionGrowthFinding[] {
  const { timeline } = input
  const now = timeline.latest?.sampledAtMillis
  const since = timeline.continuousSinceMillis
  if (now === undefined || since === undefined) return []
  const elapsed = now - since
  const floorWindow = Math.min(MAX_FLOOR_WINDOW_MILLIS, Math.max(MIN_FLOOR_WINDOW_MILLIS, elapsed / 4))
  if (elapsed < floorWindow * 1.5) return []
  const analysisFrom = Math.max(since, now - MAX_ANALYSIS_MILLIS)

  const findings: ConnectionGrowthFinding[] = []
  const limits = new LimitCounts(timeline.latest?.backends ?? [])
  for (const group of timeline.groups) {
    const evidence = judgeGroup(group, input, { now, analysisFrom, floorWindow }, limits)
    if (!evidence) continue
    const label = groupLabel(group.key)
    const eta = evidence.etaSeconds
    const limitName = evidence.limit ? (evidence.limit.scope === 'server' ? 'usable slots' : `${evidence.limit.scope} limit`) : ''
    findings.push({
      kind: 'connection-growth',
      severity: eta !== null && eta <= URGENT_ETA_SECONDS ? 'error' : 'warning',
      title:
        `${label} keeps opening connections it never closes: +${evidence.slopePerMinute}/min` +
        (evidence.limitReached && evidence.limit
          ? `, ${limitName} reached (${evidence.limit.connections} of ${evidence.limit.limit})`
          : eta !== null && evidence.limit
            ? `, ${limitName} gone in ~${formatDuration(eta)}`
            : ''),
      subject: groupSubject(group.key),
      pids: [],
      evidence,
      advice:
        `The lowest number of connections ${label} holds has risen by ${evidence.risenBy} since ${evidence.since.slice(11, 19)} UTC and has not come back down: connections are opened and never closed. ` +
        'Usual causes: an engine, pool or client created per request or per test and never disposed (create one per process; engine.dispose() or pool.end() in teardown), ' +
        'or checkouts never returned (Session.remove() at the end of each request; client.release() in a finally block). ' +
        'Until it is fixed, idle_session_timeout (PostgreSQL 14+) bounds the damage.',
    })
  }
  return findings
}

/** A limit with no more than this share of it free (at least one slot) is reached: others' churn takes the last few. */
const REACHED_FREE_SHARE = 0.02

export function isLimitReached(limit: NonNullable<ConnectionGrowthEvidence['limit']>): boolean {
  return limit.limit - limit.connections <= Math.max(1, Math.round(limit.limit * REACHED_FREE_SHARE))
}

function judgeGroup(
  group: GroupTimeline,
  input: TimelineDetectorInput,
  window: { now: number; analysisFrom: number; floorWindow: number },
  limits: LimitCounts,
): ConnectionGrowthEvidence | undefined {
  const { now, analysisFrom, floorWindow } = window
  // Cheap first: a group whose count has not gone up lately is not growing, whatever its history,
  // unless it has run into its limit and cannot go up.
  const latest = group.series.latest
  const lately = group.series.range(now - Math.max(floorWindow / 3, 3 * input.timeline.meanIntervalMillis), now)
  if (latest === undefined || !lately) return undefined
  const limit = nearestLimit(group, input, limits)
  const isAtLimit = isLimitReached(limit)
  if (latest <= lately.min && !isAtLimit) return undefined
  const points = group.series.points(analysisFrom)
  const floor = trailingMinimum(points, floorWindow).filter((p) => p.atMillis >= analysisFrom + floorWindow)
  if (floor.length < 5) return undefined
  const first = floor[0]!.min
  const last = floor[floor.length - 1]!.min
  const risenBy = last - first
  if (risenBy < Math.max(input.thresholds.growthMinConnections, 0.1 * first)) return undefined
  let fallen = 0
  for (let i = 1; i < floor.length; i++) fallen += Math.max(0, floor[i - 1]!.min - floor[i]!.min)
  if (fallen > 0.25 * risenBy) return undefined

  // Still rising: lately the group never dips back to where it stood most of a window ago, and its
  // count went up in the last stretch. A pool that warmed up and levelled off fails the second test;
  // a leak that hit the limit has not levelled off, it has nowhere left to go.
  const recent = rangeOf(points, now - floorWindow / 4, now)
  const earlier = rangeOf(points, now - floorWindow, now - (floorWindow * 3) / 4)
  if (!recent || !earlier) return undefined
  const isPinned = isAtLimit && recent.min >= earlier.min
  if (recent.min < earlier.max + 1 && !isPinned) return undefined

  // Pinned at the limit, the floor is judged up to where it got there: a plateau after it is the
  // limit's doing, not a pool that levelled off.
  let riseEnd = floor.length
  if (isPinned) while (riseEnd > 5 && floor[riseEnd - 2]!.min === last) riseEnd--
  const rise = floor.slice(0, riseEnd)
  const fit = linearFit(
    rise.map((p) => p.atMillis),
    rise.map((p) => p.min),
  )
  if (fit.slope <= 0 || fit.r2 < MIN_FIT) return undefined

  let startIndex = 0
  for (let i = 0; i < floor.length; i++) if (floor[i]!.min === first) startIndex = i
  const sinceMillis = Math.max(analysisFrom, floor[startIndex]!.atMillis - floorWindow)
  if (isWarmingUp(group, input, sinceMillis, now)) return undefined
  const slopePerSecond = fit.slope * 1000
  return {
    slopePerMinute: Math.round(slopePerSecond * 60 * 10) / 10,
    confidence: Math.round(fit.r2 * 100) / 100,
    since: new Date(sinceMillis).toISOString(),
    connections: points[points.length - 1]!.min,
    floorConnections: last,
    risenBy,
    windowSeconds: Math.round((now - analysisFrom) / 1000),
    etaSeconds: isPinned ? 0 : Math.max(0, Math.round((limit.limit - limit.connections) / slopePerSecond)),
    limit,
    limitReached: isPinned,
  }
}

/** A connection that ran something this long after it connected is being reused. */
const REUSED_AFTER_MILLIS = 10_000
/** The share of the rise's connections seen reused that makes it pools warming up. */
const WARMING_SHARE = 1 / 3

/**
 * Pools warming up, not a leak: many processes (gunicorn workers, say) each opening their first
 * connections as their first requests come, a few a minute at low traffic. Their connections are
 * used again as requests come back; leaked ones never are. So when a third or more of the
 * connections the group opened since the rise began (and that are old enough to have been reused)
 * ran something more than 10 s after they connected, the rise is pools filling, however steady.
 * Sessions idle in transaction are checkouts stuck mid-way, not reuse, and count as not reused.
 */
function isWarmingUp(group: GroupTimeline, input: TimelineDetectorInput, sinceMillis: number, nowMillis: number): boolean {
  let old = 0
  let reused = 0
  for (const session of input.timeline.sessions) {
    if (session.groupId !== group.id) continue
    const { backendStartMillis, stateChangeMillis } = session.backend
    if (backendStartMillis === null || backendStartMillis < sinceMillis || nowMillis - backendStartMillis < REUSED_AFTER_MILLIS) continue
    old++
    if (!isIdleInTransaction(session.backend) && stateChangeMillis !== null && stateChangeMillis - backendStartMillis > REUSED_AFTER_MILLIS) reused++
  }
  return old > 0 && reused >= WARMING_SHARE * old
}

/** The latest poll's client connections, counted once per evaluation: by role and database only when a group has such a limit. */
class LimitCounts {
  readonly #backends: readonly Backend[]
  #byUser: Map<string, number> | undefined
  #byDatabase: Map<string, number> | undefined
  readonly clients: number

  constructor(backends: readonly Backend[]) {
    this.#backends = backends.filter(isClientBackend)
    this.clients = this.#backends.length
  }

  ofUser(user: string): number {
    this.#byUser ??= countBy(this.#backends, (b) => b.user)
    return this.#byUser.get(user) ?? 0
  }

  ofDatabase(database: string): number {
    this.#byDatabase ??= countBy(this.#backends, (b) => b.database)
    return this.#byDatabase.get(database) ?? 0
  }
}

function countBy(backends: readonly Backend[], keyOf: (backend: Backend) => string | null): Map<string, number> {
  const counts = new Map<string, number>()
  for (const backend of backends) {
    const key = keyOf(backend)
    if (key !== null) counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  return counts
}

/** The limit this group runs into first: its role's or database's CONNECTION LIMIT, else the usable slots. */
function nearestLimit(group: GroupTimeline, input: TimelineDetectorInput, counts: LimitCounts): NonNullable<ConnectionGrowthEvidence['limit']> {
  const candidates: NonNullable<ConnectionGrowthEvidence['limit']>[] = [
    // pgleak's own session takes a usable slot too.
    { scope: 'server', name: null, connections: counts.clients + PGLEAK_OWN_CONNECTIONS, limit: usableSlots(input.settings) },
  ]
  const user = group.key.user
  const roleLimit = user ? input.settings.roleConnectionLimits[user] : undefined
  if (user && roleLimit !== undefined) candidates.push({ scope: 'role', name: user, connections: counts.ofUser(user), limit: roleLimit })
  const database = group.key.db
  const databaseLimit = database ? input.settings.databaseConnectionLimits[database] : undefined
  if (database && databaseLimit !== undefined) candidates.push({ scope: 'database', name: database, connections: counts.ofDatabase(database), limit: databaseLimit })
  return candidates.reduce((a, b) => (b.limit - b.connections < a.limit - a.connections ? b : a))
}
