import { isUsedOnlyAtConnect } from '../backend.js'
import type { ChurnFinding, Subject } from '../finding.js'
import { groupLabel, groupSubject } from '../group-subject.js'
import { median } from '../series-math.js'
import type { ChurnTotals } from '../timeline/session-churn.js'
import { likelyOwner } from '../timeline/timeline.js'
import type { TimelineDetectorInput } from './timeline-input.js'

const WINDOW_MILLIS = 5 * 60_000
/**
 * A verdict needs this much window and, within it, this many connections seen closing (or counted
 * by the server): seventy a second is clear after five seconds, one every three seconds after a minute.
 */
const MIN_WINDOW_MILLIS = 5000
const MIN_CLOSED = 15
/** Closes found together by one poll, on average, that mark a burst's end rather than requests. */
const OVERFLOW_BATCH = 4
/** Sessions gone before they gave a name are called an address's own only after this long without an owner. */
const UNOWNED_MIN_WINDOW_MILLIS = 15_000
/** A long-lived connection that ran statements after its first seconds: the group already has a pool. */
const POOLED_MIN_AGE_SECONDS = 30

interface Candidate {
  /** The group's id; null for an address whose sessions never gave a name. */
  readonly id: string | null
  readonly label: string
  readonly subject: Subject
  readonly totals: ChurnTotals
}

function addTotals(a: ChurnTotals, b: ChurnTotals): ChurnTotals {
  return { opened: a.opened + b.opened, closed: a.closed + b.closed, closeBatches: a.closeBatches + b.closeBatches, lifetimesSeconds: [...a.lifetimesSeconds, ...b.lifetimesSeconds] }
}

/**
 * A pool bursting into overflow and back: its extra connections are closed together as a burst
 * ends, so closes come in batches, with polls between that see none. Connections per request
 * close a few at a time, poll after poll.
 */
function isOverflowBursts(totals: ChurnTotals, polls: number): boolean {
  return totals.closeBatches > 0 && totals.closed / totals.closeBatches >= OVERFLOW_BATCH && totals.closeBatches <= polls / 2
}

/** Groups that hold connections older than half a minute and used after their first seconds: a pool's. */
function groupsWithPooledConnections(timeline: TimelineDetectorInput['timeline'], nowMillis: number): Set<string> {
  const pooled = new Set<string>()
  for (const session of timeline.sessions) {
    const { backendStartMillis, stateChangeMillis } = session.backend
    if (session.groupId === null || backendStartMillis === null || stateChangeMillis === null) continue
    if (nowMillis - backendStartMillis >= POOLED_MIN_AGE_SECONDS * 1000 && (session.isReused || !isUsedOnlyAtConnect(session.backend))) pooled.add(session.groupId)
  }
  return pooled
}

/**
 * Connections opened and closed at a steady rate with short lives: a
 * connection per request instead of a pool. Polling sees only the sessions
 * alive at each poll; where the server counts sessions (pg_stat_database,
 * PostgreSQL 14+) the group's share of that exact rate is reported instead.
 * Short-lived sessions are often caught still connecting, before they carry
 * an application name: they count for the group whose named sessions from
 * the same address were most often seen opening and closing young. A life runs from backend_start to
 * halfway between the last poll that saw it and the first that did not, and
 * is short below a couple of seconds (or one and a half poll intervals).
 */
export function detectChurn(input: TimelineDetectorInput): ChurnFinding[] {
  const { timeline, thresholds } = input
  const now = timeline.latest?.sampledAtMillis
  const since = timeline.continuousSinceMillis
  if (now === undefined || since === undefined) return []
  const windowMillis = Math.min(WINDOW_MILLIS, now - since)
  if (windowMillis < MIN_WINDOW_MILLIS) return []
  const pooled = groupsWithPooledConnections(timeline, now)
  const from = now - windowMillis
  const shortLifeSeconds = Math.max(thresholds.shortLifeSeconds, (1.5 * timeline.meanIntervalMillis) / 1000)

  const byGroup = new Map<string, Candidate>()
  for (const group of timeline.groups) byGroup.set(group.id, { id: group.id, label: groupLabel(group.key), subject: groupSubject(group.key), totals: group.churn.since(from) })
  const candidates: Candidate[] = []
  for (const unattributed of timeline.unattributedChurn) {
    const totals = unattributed.churn.since(from)
    if (totals.closed === 0) continue
    const ownerId = likelyOwner(unattributed)
    const owner = ownerId === null ? undefined : byGroup.get(ownerId)
    if (owner && ownerId !== null) byGroup.set(ownerId, { ...owner, totals: addTotals(owner.totals, totals) })
    // Until an owner shows itself, give it the time it takes: an address is named only when none does.
    else if (windowMillis >= UNOWNED_MIN_WINDOW_MILLIS) {
      candidates.push({
        id: null,
        label: `connections from ${unattributed.clientAddr} (gone before they gave an application name)`,
        subject: { application: null, user: null, database: null, client: unattributed.clientAddr, pool: null },
        totals,
      })
    }
  }
  candidates.push(...byGroup.values())

  const minutes = windowMillis / 60_000
  const observedOpened = candidates.reduce((sum, c) => sum + c.totals.opened, 0)
  const counted = timeline.sessionsEstablishedSince(from)

  const findings: ChurnFinding[] = []
  for (const { id, label, subject, totals } of candidates) {
    const observedClosedPerMinute = totals.closed / minutes
    // The server's exact count, shared out by what polling saw of each group.
    const share = counted && observedOpened > 0 ? counted.count * (totals.opened / observedOpened) : undefined
    const exactOpenedPerMinute = counted && share !== undefined ? share / ((now - counted.fromMillis) / 60_000) : undefined
    const closedPerMinute = Math.max(observedClosedPerMinute, exactOpenedPerMinute ?? 0)
    if (closedPerMinute < thresholds.churnPerMinute) continue
    if (Math.max(totals.closed, share ?? 0) < MIN_CLOSED) continue
    if (isOverflowBursts(totals, windowMillis / timeline.meanIntervalMillis)) continue
    const medianLifeSeconds = median(totals.lifetimesSeconds)
    if (!(medianLifeSeconds <= shortLifeSeconds)) continue
    const openedPerMinute = Math.round(Math.max(totals.opened / minutes, exactOpenedPerMinute ?? 0))
    findings.push({
      kind: 'churn',
      severity: closedPerMinute >= thresholds.churnPerMinute * 10 ? 'error' : 'warning',
      title: `${label} opens and closes a connection per request: ~${Math.round(closedPerMinute)}/min, living ${medianLifeSeconds.toFixed(1)}s`,
      subject,
      pids: [],
      evidence: {
        openedPerMinute,
        closedPerMinute: Math.round(closedPerMinute),
        medianLifeSeconds: Math.round(medianLifeSeconds * 10) / 10,
        windowSeconds: Math.round(windowMillis / 1000),
        isLowerBound: exactOpenedPerMinute === undefined,
      },
      advice:
        `Each connection costs the server a process fork and authentication, and ${label} throws them away after a second or two. ` +
        (id !== null && pooled.has(id)
          ? `${label} also keeps long-lived connections that it reuses, so it already has a pool or engine: these short-lived ones come from an engine or pool created per request (or per call) and disposed, or from NullPool. Create the engine or pool once per process, at start-up, and share it.`
          : 'Keep connections in a pool, one per process: a SQLAlchemy engine (not NullPool) or psycopg_pool / psycopg2.pool, a pg.Pool in node-postgres, HikariCP on the JVM; ' +
            'or put PgBouncer in front of clients that cannot pool.'),
    })
  }
  return findings
}
