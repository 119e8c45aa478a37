// What `check` concludes about a run of a wrapped command, beyond what the
// leak monitor saw while it ran: connections it left open, growth hidden by
// the process exit, its peak against a budget, its connection rate.
import { isClientBackend } from './backend.js'
import { applicationLabel, subjectOf, wholeSecondsBetween } from './describe-backend.js'
import type { TimelineDetectorInput } from './detectors/timeline-input.js'
import { detectGrowthDuringRun } from './detectors/run-growth.js'
import { formatDuration } from './duration.js'
import { NO_SUBJECT, type Finding } from './finding.js'
import { describeHolders, dominantHolder, type ConnectionHolder } from './holders.js'
import type { Snapshot } from './snapshot.js'
import { sessionIdentity } from './timeline/session-identity.js'

export interface RunObservation {
  /** Server time of the baseline snapshot, just before the command started. */
  readonly fromMillis: number
  /** Server time of the last snapshot before the command ended. */
  readonly toMillis: number
  readonly settleSeconds: number
  /** Sessions in scope before the command started: not the run's. */
  readonly baseline: ReadonlySet<string>
  /** The last snapshot, after settling, scoped. */
  readonly final: Snapshot
  readonly peakConnections: number
  readonly peakAtMillis: number
  /** Who held the connections at the peak. */
  readonly peakHolders: readonly ConnectionHolder[]
  /** Sessions the server established during the run (pg_stat_database), when it counts them. */
  readonly connectsDuringRun: number | null
}

export interface RunLimits {
  /** The most connections the run may hold at once (--max-connections). */
  readonly maxConnections?: number
  /** The most connections per minute the run may open (--max-connects-per-minute). */
  readonly maxConnectsPerMinute?: number
}

const MAX_LISTED = 50

export function judgeRun(input: TimelineDetectorInput, run: RunObservation, limits: RunLimits): Finding[] {
  const findings: Finding[] = [...detectGrowthDuringRun(input, run)]

  const leftovers = run.final.backends.filter((b) => isClientBackend(b) && !run.baseline.has(sessionIdentity(b)))
  if (leftovers.length > 0) {
    const apps = [...new Set(leftovers.map(applicationLabel))]
    const single = leftovers.length === 1 || apps.length === 1 ? subjectOf(leftovers[0]!) : NO_SUBJECT
    findings.push({
      kind: 'leftover-connections',
      severity: 'error',
      title: `${leftovers.length} connection${leftovers.length === 1 ? '' : 's'} opened during the run ${leftovers.length === 1 ? 'is' : 'are'} still open after it (${apps.slice(0, 3).join(', ')}${apps.length > 3 ? ', …' : ''})`,
      subject: apps.length === 1 ? single : NO_SUBJECT,
      pids: leftovers.slice(0, MAX_LISTED).map((b) => b.pid),
      evidence: {
        connections: leftovers.length,
        settleSeconds: run.settleSeconds,
        sessions: leftovers.slice(0, MAX_LISTED).map((b) => ({
          pid: b.pid,
          application: b.application === '' ? null : b.application,
          user: b.user,
          database: b.database,
          client: b.clientAddr,
          state: b.state,
          ageSeconds: wholeSecondsBetween(b.backendStartMillis, run.final.sampledAtMillis),
          lastQuery: b.query,
        })),
      },
      advice:
        `Something the command started still holds these ${formatDuration(run.settleSeconds)} after it ended: a background process or worker it left running, ` +
        'a server it did not stop, or connections held by a daemon it spawned. Stop what it started in teardown (kill the worker, close its pool), ' +
        'or raise --settle if they close on their own a little later.',
    })
  }

  if (limits.maxConnections !== undefined && run.peakConnections > limits.maxConnections) {
    const top = dominantHolder(run.peakHolders, run.peakConnections)
    const held = run.peakHolders.length > 0 ? ` Held by ${describeHolders(run.peakHolders)}.` : ''
    findings.push({
      kind: 'headroom',
      severity: 'error',
      title: `the run held ${run.peakConnections} connections at its peak, over its budget of ${limits.maxConnections}${top ? ` (${top.group} held ${top.connections})` : ''}`,
      subject: top?.subject ?? NO_SUBJECT,
      pids: [],
      evidence: {
        scope: 'budget',
        connections: run.peakConnections,
        ownConnections: 0,
        limit: limits.maxConnections,
        usagePercent: Math.round((run.peakConnections / limits.maxConnections) * 1000) / 10,
        freeSlots: 0,
        isFull: true,
        hiddenConnections: 0,
        holders: run.peakHolders,
      },
      advice: `At ${new Date(run.peakAtMillis).toISOString().slice(11, 19)} UTC the run held ${run.peakConnections} connections; its budget (--max-connections) is ${limits.maxConnections}.${held} Shrink the pools the tests create, share one across tests, or raise the budget if the suite really needs more.`,
    })
  }

  const minutes = (run.toMillis - run.fromMillis) / 60_000
  if (limits.maxConnectsPerMinute !== undefined && run.connectsDuringRun !== null && minutes > 0) {
    const perMinute = run.connectsDuringRun / minutes
    if (perMinute > limits.maxConnectsPerMinute) {
      findings.push({
        kind: 'churn',
        severity: 'error',
        title: `the run opened ${run.connectsDuringRun} connections, ${Math.round(perMinute)} a minute, over its budget of ${limits.maxConnectsPerMinute}`,
        subject: NO_SUBJECT,
        pids: [],
        evidence: {
          openedPerMinute: Math.round(perMinute),
          closedPerMinute: Math.round(perMinute),
          medianLifeSeconds: null,
          windowSeconds: Math.round(minutes * 60),
          isLowerBound: false,
        },
        advice: 'Connections are opened far more often than a pooled suite needs: reuse a pool or engine across tests instead of connecting per test or per query.',
      })
    }
  }
  return findings
}

