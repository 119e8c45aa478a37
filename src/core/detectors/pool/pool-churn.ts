import { formatDuration } from '../../duration.js'
import type { ChurnFinding, Subject } from '../../finding.js'
import type { RecentSample } from '../../recent-sample.js'
import { median } from '../../series-math.js'
import type { Thresholds } from '../../thresholds.js'
import type { PoolDetectorInput } from './pool-input.js'

/** Half the checkouts or more on a connection of their own: nothing is reused. */
const MIN_CREATED_PER_CHECKOUT = 0.5
/** A rate needs enough closes over enough time to mean anything: two sessions a millisecond apart are not 60,000 a minute. */
const MIN_CLOSES = 20
const MIN_WINDOW_MILLIS = 10_000

interface Rates {
  readonly perMinute: number
  readonly medianSeconds: number
  readonly windowSeconds: number
}

/** Rates from the lifetimes of closed connections or ended sessions, each at when it ended. */
function rates(lifetimes: RecentSample): Rates | undefined {
  const events = lifetimes.entries()
  if (events.length < MIN_CLOSES) return undefined
  let first = Number.POSITIVE_INFINITY
  let last = Number.NEGATIVE_INFINITY
  for (const event of events) {
    if (event.atMillis < first) first = event.atMillis
    if (event.atMillis > last) last = event.atMillis
  }
  if (last - first < MIN_WINDOW_MILLIS) return undefined
  // n closes span n - 1 intervals.
  return { perMinute: (events.length - 1) / ((last - first) / 60_000), medianSeconds: median(events.map((e) => e.value)), windowSeconds: Math.round((last - first) / 1000) }
}

function isChurn(churn: Rates | undefined, thresholds: Thresholds): churn is Rates {
  return churn !== undefined && churn.perMinute >= thresholds.churnPerMinute && churn.medianSeconds <= thresholds.shortLifeSeconds
}

function churnFinding(churn: Rates, thresholds: Thresholds, parts: { title: string; subject: Subject; advice: string }): ChurnFinding {
  return {
    kind: 'churn',
    severity: churn.perMinute >= thresholds.churnPerMinute * 10 ? 'error' : 'warning',
    title: parts.title,
    subject: parts.subject,
    pids: [],
    evidence: {
      openedPerMinute: Math.round(churn.perMinute),
      closedPerMinute: Math.round(churn.perMinute),
      medianLifeSeconds: Math.round(churn.medianSeconds * 100) / 100,
      windowSeconds: churn.windowSeconds,
      isLowerBound: false,
    },
    advice: parts.advice,
  }
}

/**
 * Churn from the logs: a pool that opens a connection for (nearly) every
 * checkout and closes it soon after (NullPool, or no pool), and server
 * sessions of one application that come and go fast (log_connections).
 */
export function detectLogChurn(input: PoolDetectorInput): ChurnFinding[] {
  const { thresholds } = input
  const findings: ChurnFinding[] = []
  for (const pool of input.ledger.pools.values()) {
    if (pool.checkouts === 0 || pool.created / pool.checkouts < MIN_CREATED_PER_CHECKOUT) continue
    const churn = rates(pool.lifetimes)
    if (!isChurn(churn, thresholds)) continue
    findings.push(
      churnFinding(churn, thresholds, {
        title: `${pool.id} opens a connection for every checkout: ${Math.round(churn.perMinute)}/min, each living ${formatDuration(churn.medianSeconds)}`,
        subject: { application: null, user: null, database: null, client: null, pool: pool.id },
        advice:
          pool.source === 'sqlalchemy'
            ? `${pool.created} connections for ${pool.checkouts} checkouts: the pool keeps none (NullPool, or an engine per request). Use the default QueuePool on one engine per process.`
            : `${pool.created} connections for ${pool.checkouts} checkouts: nothing is reused. Keep connections in one pool per process, or put PgBouncer in front.`,
      }),
    )
  }
  for (const sessions of input.ledger.serverSessions.values()) {
    const churn = rates(sessions.lifetimes)
    if (!isChurn(churn, thresholds)) continue
    const name = sessions.application === '' ? '(no application_name)' : sessions.application
    findings.push(
      churnFinding(churn, thresholds, {
        title: `${name} opens and closes server sessions at ${Math.round(churn.perMinute)}/min, each lasting ${formatDuration(churn.medianSeconds)} (server log)`,
        subject: { application: sessions.application === '' ? null : sessions.application, user: null, database: null, client: null, pool: null },
        advice: 'Each session costs the server a process fork and authentication. Keep connections in a pool, one per process, or put PgBouncer in front of clients that cannot pool.',
      }),
    )
  }
  return findings
}
