import type { ChurnFinding } from '../finding.js'
import { groupLabel, groupSubject } from '../group-subject.js'
import { median } from '../series-math.js'
import type { TimelineDetectorInput } from './timeline-input.js'

const WINDOW_MILLIS = 5 * 60_000
const MIN_WINDOW_MILLIS = 30_000

/**
 * Connections opened and closed at a steady rate with short lives: a
 * connection per request instead of a pool. Polling sees only the sessions
 * alive at each poll, so the rates are lower bounds; a life is taken from
 * backend_start to halfway between the last poll that saw it and the first
 * that did not, and counts as short below a couple of seconds (or one and a
 * half poll intervals, whichever is longer).
 */
export function detectChurn(input: TimelineDetectorInput): ChurnFinding[] {
  const { timeline, thresholds } = input
  const now = timeline.latest?.sampledAtMillis
  const since = timeline.continuousSinceMillis
  if (now === undefined || since === undefined) return []
  const windowMillis = Math.min(WINDOW_MILLIS, now - since)
  if (windowMillis < MIN_WINDOW_MILLIS) return []
  const minutes = windowMillis / 60_000
  const shortLifeSeconds = Math.max(thresholds.shortLifeSeconds, (1.5 * timeline.meanIntervalMillis) / 1000)

  const findings: ChurnFinding[] = []
  for (const group of timeline.groups) {
    const totals = group.churn.since(now - windowMillis)
    const closedPerMinute = totals.closed / minutes
    if (closedPerMinute < thresholds.churnPerMinute) continue
    const medianLifeSeconds = median(totals.lifetimesSeconds)
    if (!(medianLifeSeconds <= shortLifeSeconds)) continue
    const label = groupLabel(group.key)
    const openedPerMinute = Math.round(totals.opened / minutes)
    findings.push({
      kind: 'churn',
      severity: closedPerMinute >= thresholds.churnPerMinute * 10 ? 'error' : 'warning',
      title: `${label} opens and closes a connection per request: ${Math.round(closedPerMinute)}/min, living ${medianLifeSeconds.toFixed(1)}s`,
      subject: groupSubject(group.key),
      pids: [],
      evidence: {
        openedPerMinute,
        closedPerMinute: Math.round(closedPerMinute),
        medianLifeSeconds: Math.round(medianLifeSeconds * 10) / 10,
        windowSeconds: Math.round(windowMillis / 1000),
        isLowerBound: true,
      },
      advice:
        `Each connection costs the server a process fork and authentication, and ${label} throws them away after a second or two. ` +
        'Keep connections in a pool, one per process: a SQLAlchemy engine (not NullPool) or psycopg_pool / psycopg2.pool, a pg.Pool in node-postgres, HikariCP on the JVM; ' +
        'or put PgBouncer in front of clients that cannot pool.',
    })
  }
  return findings
}
