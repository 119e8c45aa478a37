import { isClientBackend, isIdleInTransaction, type Backend } from '../backend.js'
import { terminateSql } from '../cleanup-sql.js'
import { groupMembers } from '../connection-summary.js'
import { applicationLabel, secondsBetween, subjectOf, wholeSecondsBetween } from '../describe-backend.js'
import { formatDuration } from '../duration.js'
import type { IdleInTransactionFinding, Severity } from '../finding.js'
import { groupLabel, groupSubject } from '../group-subject.js'
import type { GroupKey } from '../grouping.js'
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

function pileFindings(
  idle: readonly Idle[],
  input: DetectorInput,
  waiters: () => Map<number, number[]>,
): { findings: IdleInTransactionFinding[]; piled: Set<number>; piledGroups: Set<string> } {
  const findings: IdleInTransactionFinding[] = []
  const piled = new Set<number>()
  const piledGroups = new Set<string>()
  const byGroup = groupMembers(idle.map((i) => i.backend), input.groupBy)
  const ageOf = new Map(idle.map((i) => [i.backend.pid, i.ageSeconds]))
  for (const { key, backends } of byGroup.values()) {
    if (backends.length < PILE_MIN_SESSIONS) continue
    const oldestFirst = backends.map((backend) => ({ backend, ageSeconds: ageOf.get(backend.pid)! })).sort((a, b) => b.ageSeconds - a.ageSeconds)
    const k = pileSize(oldestFirst)
    if (k === 0) continue
    const pile = oldestFirst.slice(0, k)
    for (const i of pile) if (!waiters().has(i.backend.pid)) piled.add(i.backend.pid)
    const label = groupLabel(key)
    piledGroups.add(label)
    const aborted = pile.some((i) => i.backend.state === 'idle in transaction (aborted)')
    findings.push(
      groupFinding(key, pile, input, waiters(), () => ({
        title: `${label} has ${k} sessions idle in transaction, piling up (oldest ${formatDuration(Math.round(pile[0]!.ageSeconds))})`,
        advice:
          `${k} connections of ${label} went idle inside a transaction and stay there: checkouts that are never returned, so each holds a connection (and its locks) until the pool runs dry. ` +
          (aborted ? 'Some are in failed transactions: roll back in the error path (session.rollback(), ROLLBACK in a catch). ' : '') +
          'Call Session.remove() (SQLAlchemy scoped_session) at the end of each request or thread, use a with block for sessions and connections, and release() node-postgres clients in a finally block after COMMIT or ROLLBACK. ',
      })),
    )
  }
  return { findings, piled, piledGroups }
}

function sessionFinding(idle: Idle, input: DetectorInput, blocking: readonly number[]): IdleInTransactionFinding {
  const { backend, ageSeconds } = idle
  const severity: Severity = blocking.length > 0 || ageSeconds >= input.thresholds.idleInTransactionSeconds * ERROR_MULTIPLE ? 'error' : 'warning'
  const aborted = backend.state === 'idle in transaction (aborted)'
  const blockingText = blocking.length > 0 ? `, blocking ${blocking.length} session${blocking.length === 1 ? '' : 's'}` : ''
  return {
    kind: 'idle-in-transaction',
    severity,
    title: `${applicationLabel(backend)} (pid ${backend.pid}) ${aborted ? 'left a failed transaction open' : 'holds a transaction open'} for ${formatDuration(ageSeconds)}${blockingText}`,
    subject: subjectOf(backend),
    pids: [backend.pid],
    evidence: {
      scope: 'session',
      ageSeconds: Math.round(ageSeconds),
      transactionAgeSeconds: wholeSecondsBetween(backend.xactStartMillis, input.snapshot.sampledAtMillis),
      state: aborted ? 'idle in transaction (aborted)' : 'idle in transaction',
      blocking,
      lastQuery: backend.query,
      xminAge: backend.xminAge,
      connectionAgeSeconds: wholeSecondsBetween(backend.backendStartMillis, input.snapshot.sampledAtMillis),
    },
    advice: advice(backend, blocking),
  }
}

/**
 * A finding about sessions of one group idle in transaction (a pile, or a few past the threshold):
 * severity, pids, figures and the SQL that ends them are the same; `words` gives its title and the
 * advice before that SQL, knowing whom they block.
 */
function groupFinding(
  key: GroupKey,
  oldestFirst: readonly Idle[],
  input: DetectorInput,
  waiters: Map<number, number[]>,
  words: (blocking: readonly number[]) => { title: string; advice: string },
): IdleInTransactionFinding {
  const oldest = oldestFirst[0]!
  const youngest = oldestFirst[oldestFirst.length - 1]!
  const n = oldestFirst.length
  const blocking = [...new Set(oldestFirst.flatMap((i) => waiters.get(i.backend.pid) ?? NOBODY))]
  const { title, advice } = words(blocking)
  return {
    kind: 'idle-in-transaction',
    severity: n >= PILE_ERROR_SESSIONS || blocking.length > 0 || oldest.ageSeconds >= input.thresholds.idleInTransactionSeconds * ERROR_MULTIPLE ? 'error' : 'warning',
    title,
    subject: groupSubject(key),
    pids: oldestFirst.slice(0, MAX_PIDS).map((i) => i.backend.pid),
    evidence: {
      scope: 'group',
      sessions: n,
      ageSeconds: Math.round(oldest.ageSeconds),
      minAgeSeconds: Math.round(youngest.ageSeconds),
      newInLast10Seconds: oldestFirst.filter((i) => i.ageSeconds <= 10).length,
      blocking,
      lastQuery: oldest.backend.query,
    },
    advice:
      advice +
      `Set idle_in_transaction_session_timeout so the server ends such sessions; to end these now: ${terminateSql(groupSubject(key), ['idle in transaction', 'idle in transaction (aborted)'], `${Math.max(1, Math.floor(youngest.ageSeconds))} seconds`)}`,
  }
}

/**
 * Several sessions of one group past the threshold (too few or too young for a pile): one finding
 * with their pids, since the cause and the fix are the group's, not each session's.
 */
function sessionsFinding(key: GroupKey, oldestFirst: readonly Idle[], input: DetectorInput, waiters: Map<number, number[]>): IdleInTransactionFinding {
  const label = groupLabel(key)
  const n = oldestFirst.length
  const oldestAge = Math.round(oldestFirst[0]!.ageSeconds)
  const youngestAge = Math.round(oldestFirst[n - 1]!.ageSeconds)
  const aborted = oldestFirst.filter((i) => i.backend.state === 'idle in transaction (aborted)').length
  const locks = oldestFirst
    .filter((i) => waiters.has(i.backend.pid))
    .map((i) => {
      const waiting = waiters.get(i.backend.pid)!
      return `Pid ${i.backend.pid} holds locks that pid ${waiting.join(', ')} ${waiting.length === 1 ? 'is' : 'are'} waiting for. `
    })
  return groupFinding(key, oldestFirst, input, waiters, (blocking) => ({
    title:
      `${label} has ${n} sessions idle in transaction for ${formatDuration(youngestAge)}` +
      `${oldestAge > youngestAge ? ` or more (oldest ${formatDuration(oldestAge)})` : ''}` +
      `${blocking.length > 0 ? `, blocking ${blocking.length} session${blocking.length === 1 ? '' : 's'}` : ''}`,
    advice:
      `${n} sessions of ${label} sit idle inside transactions that were neither committed nor rolled back. ` +
      (aborted > 0 ? `${aborted === n ? 'All' : aborted} of them are in failed transactions: roll back in the error path (session.rollback(), ROLLBACK in a catch) and use a session per request. ` : '') +
      locks.join('') +
      'End transactions before slow work, call Session.remove() (SQLAlchemy) at the end of each request, and release() node-postgres clients in a finally block after COMMIT or ROLLBACK. ',
  }))
}

/**
 * Sessions idle inside an open transaction for longer than the threshold, worse when they block
 * others; and, long before any one passes it, one group's sessions piling up idle in transaction.
 * A session in a pile is reported there, not on its own, unless others wait on its locks; several
 * sessions of one group past the threshold are one finding.
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
  const { findings, piled, piledGroups } = pileFindings(idle, input, waiters)
  const past = idle.filter((i) => i.ageSeconds >= input.thresholds.idleInTransactionSeconds && !piled.has(i.backend.pid))
  if (past.length === 0) return findings
  const ageOf = new Map(past.map((i) => [i.backend.pid, i]))
  for (const { key, backends: members } of groupMembers(past.map((i) => i.backend), input.groupBy).values()) {
    const oldestFirst = members.map((b) => ageOf.get(b.pid)!).sort((a, b) => b.ageSeconds - a.ageSeconds)
    // A group with a pile keeps that finding's key: its sessions that also block are reported one by one.
    if (oldestFirst.length === 1 || piledGroups.has(groupLabel(key))) {
      for (const i of oldestFirst) findings.push(sessionFinding(i, input, waiters().get(i.backend.pid) ?? NOBODY))
    } else findings.push(sessionsFinding(key, oldestFirst, input, waiters()))
  }
  return findings
}
