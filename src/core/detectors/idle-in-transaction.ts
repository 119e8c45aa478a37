import { isClientBackend, isIdleInTransaction, type Backend } from '../backend.js'
import { applicationLabel, secondsBetween, subjectOf, wholeSecondsBetween } from '../describe-backend.js'
import { formatDuration } from '../duration.js'
import type { IdleInTransactionFinding, Severity } from '../finding.js'
import { isIgnored } from '../ignore-rule.js'
import type { DetectorInput } from './detector-input.js'

/** Idle this many times the threshold is an error even when nobody waits on it. */
const ERROR_MULTIPLE = 10

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

/** Sessions idle inside an open transaction for longer than the threshold; worse when they block others. */
export function detectIdleInTransaction(input: DetectorInput): IdleInTransactionFinding[] {
  const { backends, sampledAtMillis } = input.snapshot
  const findings: IdleInTransactionFinding[] = []
  let waiters: Map<number, number[]> | undefined
  for (const backend of backends) {
    if (!isClientBackend(backend) || !isIdleInTransaction(backend) || isIgnored(backend, input.ignore)) continue
    const ageSeconds = secondsBetween(backend.stateChangeMillis, sampledAtMillis)
    if (ageSeconds === null || ageSeconds < input.thresholds.idleInTransactionSeconds) continue
    waiters ??= waitersByBlocker(backends)
    const blocking = waiters.get(backend.pid) ?? NOBODY
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

