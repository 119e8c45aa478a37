import { isClientBackend, isIdleInTransaction, type Backend } from '../backend.js'
import { terminateSql } from '../cleanup-sql.js'
import { groupMembers } from '../connection-summary.js'
import { applicationLabel, secondsBetween, subjectOf, wholeSecondsBetween } from '../describe-backend.js'
import { formatDuration } from '../duration.js'
import type { IdleInTransactionFinding, Severity } from '../finding.js'
import { groupLabel, groupSubject } from '../group-subject.js'
import { isIgnored } from '../ignore-rule.js'
import type { DetectorInput } from './detector-input.js'

/** Idle this many times the threshold is an error even when nobody waits on it. */
const ERROR_MULTIPLE = 10
/**
 * A pile's evidence: k sessions of one group, each idle in transaction at least
 * PILE_STRENGTH_SECONDS / k seconds (never less than PILE_MIN_AGE_SECONDS), from PILE_MIN_SESSIONS:
 * ten for 3 s is as sure as three for 10 s. A healthy pool's transactions end in milliseconds.
 */
const PILE_STRENGTH_SECONDS = 30
const PILE_MIN_AGE_SECONDS = 3
const PILE_MIN_SESSIONS = 3
const PILE_ERROR_SESSIONS = 10
const MAX_PIDS = 50

/** Who waits on whom: the waiting pids of each blocking pid, in the snapshot's order. Built once per snapshot, not searched per session. */
function waitersByBlocker(backends: readonly Backend[]): Map<number, number[]> {
  const waiters = new Map<number, number[]>()
  for (const waiter of backends) {
    for (const blocker of waiter.blockedBy) {
      const list = waiters.get(blocker)
      if (!list) waiters.set(blocker, [waiter.pid])
      // A pid may be listed twice by pg_blocking_pids: a waiter counts once.
      else if (list[list.length - 1] !== waiter.pid) list.push(waiter.pid)
    }
  }
  return waiters
}

const NOBODY: readonly number[] = []

function advice(backend: Backend, blocking: readonly number[]): string {
  const parts: string[] = []
  if (backend.state === 'idle in transaction (aborted)') {
    parts.push(
      'A statement failed inside this transaction and nothing rolled it back, the mark of one long-lived session or connection shared by every request: roll back in the error path (session.rollback(), ROLLBACK in a catch) and use a session per request.',
    )
  } else {
    parts.push(
      'The code that began this transaction neither committed nor rolled back, or is waiting on something else while it holds it: end transactions before slow work, call Session.remove() (SQLAlchemy) at the end of each request, and release() node-postgres clients in a finally block after COMMIT or ROLLBACK.',
    )
  }
  if (blocking.length > 0) parts.push(`It holds locks that pid ${blocking.join(', ')} ${blocking.length === 1 ? 'is' : 'are'} waiting for.`)
  parts.push(`Set idle_in_transaction_session_timeout so the server ends such sessions; to end this one now: SELECT pg_terminate_backend(${backend.pid});`)
  return parts.join(' ')
}

interface Idle {
  readonly backend: Backend
  readonly ageSeconds: number
}

/** The idle time k sessions of one group need to be a pile. */
export function pileAgeNeededSeconds(k: number): number {
  return Math.max(PILE_MIN_AGE_SECONDS, PILE_STRENGTH_SECONDS / k)
}

/** The largest k whose k-th oldest session has the age k sessions need; 0 when none has. */
function pileSize(oldestFirst: readonly Idle[]): number {
  for (let k = oldestFirst.length; k >= PILE_MIN_SESSIONS; k--) if (oldestFirst[k - 1]!.ageSeconds >= pileAgeNeededSeconds(k)) return k
  return 0
}

function pileFindings(idle: readonly Idle[], input: DetectorInput, waiters: () => Map<number, number[]>): { findings: IdleInTransactionFinding[]; piled: Set<number> } {
  const findings: IdleInTransactionFinding[] = []
  const piled = new Set<number>()
  const byGroup = groupMembers(idle.map((i) => i.backend), input.groupBy)
  const ageOf = new Map(idle.map((i) => [i.backend.pid, i.ageSeconds]))
  for (const { key, backends } of byGroup.values()) {
    if (backends.length < PILE_MIN_SESSIONS) continue
    const oldestFirst = backends.map((backend) => ({ backend, ageSeconds: ageOf.get(backend.pid)! })).sort((a, b) => b.ageSeconds - a.ageSeconds)
    const k = pileSize(oldestFirst)
    if (k === 0) continue
    const pile = oldestFirst.slice(0, k)
    const blocking = [...new Set(pile.flatMap((i) => waiters().get(i.backend.pid) ?? NOBODY))]
    for (const i of pile) if (!waiters().has(i.backend.pid)) piled.add(i.backend.pid)
    const oldest = pile[0]!
    const label = groupLabel(key)
    const aborted = pile.some((i) => i.backend.state === 'idle in transaction (aborted)')
    findings.push({
      kind: 'idle-in-transaction',
      severity: k >= PILE_ERROR_SESSIONS || blocking.length > 0 || oldest.ageSeconds >= input.thresholds.idleInTransactionSeconds * ERROR_MULTIPLE ? 'error' : 'warning',
      title: `${label} has ${k} sessions idle in transaction, piling up (oldest ${formatDuration(Math.round(oldest.ageSeconds))})`,
      subject: groupSubject(key),
      pids: pile.slice(0, MAX_PIDS).map((i) => i.backend.pid),
      evidence: {
        scope: 'group',
        sessions: k,
        ageSeconds: Math.round(oldest.ageSeconds),
        minAgeSeconds: Math.round(pile[k - 1]!.ageSeconds),
        newInLast10Seconds: pile.filter((i) => i.ageSeconds <= 10).length,
        blocking,
        lastQuery: oldest.backend.query,
      },
      advice:
        `${k} connections of ${label} went idle inside a transaction and stay there: checkouts that are never returned, so each holds a connection (and its locks) until the pool runs dry. ` +
        (aborted ? 'Some are in failed transactions: roll back in the error path (session.rollback(), ROLLBACK in a catch). ' : '') +
        'Call Session.remove() (SQLAlchemy scoped_session) at the end of each request or thread, use a with block for sessions and connections, and release() node-postgres clients in a finally block after COMMIT or ROLLBACK. ' +
        `Set idle_in_transaction_session_timeout so the server ends such sessions; to end these now: ${terminateSql(groupSubject(key), ['idle in transaction', 'idle in transaction (aborted)'], `${Math.max(1, Math.floor(pile[k - 1]!.ageSeconds))} seconds`)}`,
    })
  }
  return { findings, piled }
}

/**
 * Sessions idle inside an open transaction for longer than the threshold, worse when they block
 * others; and, long before any one passes it, one group's sessions piling up idle in transaction.
 * A session in a pile is reported there, not on its own, unless others wait on its locks.
 */
export function detectIdleInTransaction(input: DetectorInput): IdleInTransactionFinding[] {
  const { backends, sampledAtMillis } = input.snapshot
  let waitersMap: Map<number, number[]> | undefined
  const waiters = (): Map<number, number[]> => (waitersMap ??= waitersByBlocker(backends))
  const idle: Idle[] = []
  for (const backend of backends) {
    if (!isClientBackend(backend) || !isIdleInTransaction(backend) || isIgnored(backend, input.ignore)) continue
    const ageSeconds = secondsBetween(backend.stateChangeMillis, sampledAtMillis)
    if (ageSeconds !== null) idle.push({ backend, ageSeconds })
  }
  if (idle.length === 0) return []
  const { findings, piled } = pileFindings(idle, input, waiters)
  for (const { backend, ageSeconds } of idle) {
    if (ageSeconds < input.thresholds.idleInTransactionSeconds || piled.has(backend.pid)) continue
    const blocking = waiters().get(backend.pid) ?? NOBODY
    const severity: Severity =
      blocking.length > 0 || ageSeconds >= input.thresholds.idleInTransactionSeconds * ERROR_MULTIPLE ? 'error' : 'warning'
    const aborted = backend.state === 'idle in transaction (aborted)'
    const blockingText = blocking.length > 0 ? `, blocking ${blocking.length} session${blocking.length === 1 ? '' : 's'}` : ''
    findings.push({
      kind: 'idle-in-transaction',
      severity,
      title: `${applicationLabel(backend)} (pid ${backend.pid}) ${aborted ? 'left a failed transaction open' : 'holds a transaction open'} for ${formatDuration(ageSeconds)}${blockingText}`,
      subject: subjectOf(backend),
      pids: [backend.pid],
      evidence: {
        scope: 'session',
        ageSeconds: Math.round(ageSeconds),
        transactionAgeSeconds: wholeSecondsBetween(backend.xactStartMillis, sampledAtMillis),
        state: aborted ? 'idle in transaction (aborted)' : 'idle in transaction',
        blocking,
        lastQuery: backend.query,
        xminAge: backend.xminAge,
        connectionAgeSeconds: wholeSecondsBetween(backend.backendStartMillis, sampledAtMillis),
      },
      advice: advice(backend, blocking),
    })
  }
  return findings
}

