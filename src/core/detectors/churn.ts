import type { ChurnFinding, Subject } from '../finding.js'
import { groupLabel, groupSubject } from '../group-subject.js'
import { median } from '../series-math.js'
import type { ChurnTotals } from '../timeline/session-churn.js'
import { likelyOwner } from '../timeline/timeline.js'
import type { TimelineDetectorInput } from './timeline-input.js'

const WINDOW_MILLIS = 5 * 60_000
const MIN_WINDOW_MILLIS = 30_000

interface Candidate {
  readonly label: string
  readonly subject: Subject
  readonly totals: ChurnTotals
}

function addTotals(a: ChurnTotals, b: ChurnTotals): ChurnTotals {
  return { opened: a.opened + b.opened, closed: a.closed + b.closed, lifetimesSeconds: [...a.lifetimesSeconds, ...b.lifetimesSeconds] }
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
  const from = now - windowMillis
  const shortLifeSeconds = Math.max(thresholds.shortLifeSeconds, (1.5 * timeline.meanIntervalMillis) / 1000)

  const byGroup = new Map<string, Candidate>()
  for (const group of timeline.groups) byGroup.set(group.id, { label: groupLabel(group.key), subject: groupSubject(group.key), totals: group.churn.since(from) })
  const candidates: Candidate[] = []
  for (const unattributed of timeline.unattributedChurn) {
    const totals = unattributed.churn.since(from)
    if (totals.closed === 0) continue
    const ownerId = likelyOwner(unattributed)
    const owner = ownerId === null ? undefined : byGroup.get(ownerId)
    if (owner && ownerId !== null) byGroup.set(ownerId, { ...owner, totals: addTotals(owner.totals, totals) })
    else {
      candidates.push({
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
  for (const { label, subject, totals } of candidates) {
    const observedClosedPerMinute = totals.closed / minutes
    // The server's exact count, shared out by what polling saw of each group.
    const exactOpenedPerMinute =
      counted && observedOpened > 0 ? (counted.count * (totals.opened / observedOpened)) / ((now - counted.fromMillis) / 60_000) : undefined
    const closedPerMinute = Math.max(observedClosedPerMinute, exactOpenedPerMinute ?? 0)
    if (closedPerMinute < thresholds.churnPerMinute) continue
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
        'Keep connections in a pool, one per process: a SQLAlchemy engine (not NullPool) or psycopg_pool / psycopg2.pool, a pg.Pool in node-postgres, HikariCP on the JVM; ' +
        'or put PgBouncer in front of clients that cannot pool.',
    })
  }
  return findings
}
