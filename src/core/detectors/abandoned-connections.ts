import { isListenSession, isUsedOnlyAtConnect, type Backend } from '../backend.js'
import { clientGroups } from '../connection-summary.js'
import { formatDuration } from '../duration.js'
import type { AbandonedConnectionsFinding } from '../finding.js'
import { groupLabel, groupSubject } from '../group-subject.js'
import type { DetectorInput } from './detector-input.js'

/** A newer connection must have been opened this long after one went idle to prove the group skipped it. */
const WITNESS_MARGIN_MILLIS = 1000
/**
 * The evidence a fast verdict needs, scaled from --abandoned-after (60 s by default): from four
 * connections used once, each idle at least 4/3 of the threshold divided by their number (20 s for
 * four, 10 s for eight, never under MIN_IDLE_SECONDS); fewer than four wait for the threshold itself.
 * Twenty idle for 5 s are as sure as four idle for 20 s.
 */
const STRENGTH_PER_THRESHOLD = 4 / 3
const MIN_IDLE_SECONDS = 5
const MIN_FAST = 4
const MIN_SLOW = 2
const ERROR_COUNT = 10
const MAX_PIDS = 50
/**
 * A group that has opened no connection for this long has stopped opening them: its traffic stopped,
 * or (the pile's usual end) its pool is full of checkouts never returned and its requests wait.
 */
const STOPPED_OPENING_SECONDS = 30

interface Candidate {
  readonly backend: Backend
  readonly idleSeconds: number
  readonly isUsedOnce: boolean
}

/** The idle time k connections need for a verdict. */
export function idleNeededSeconds(k: number, abandonedAfterSeconds: number): number {
  if (k < MIN_FAST) return abandonedAfterSeconds
  return Math.min(abandonedAfterSeconds, Math.max(MIN_IDLE_SECONDS, (abandonedAfterSeconds * STRENGTH_PER_THRESHOLD) / k))
}

/**
 * A group's idle connections it opened newer ones after: a pool hands out an idle connection
 * before it opens one, so a connection left idle while its group kept connecting is one nobody
 * will use again. Those used only right after connecting are the surest sign.
 */
function skippedConnections(members: readonly Backend[], nowMillis: number): Candidate[] {
  let newestStart = Number.NEGATIVE_INFINITY
  for (const member of members) if (member.backendStartMillis !== null && member.backendStartMillis > newestStart) newestStart = member.backendStartMillis
  const candidates: Candidate[] = []
  for (const backend of members) {
    if (backend.state !== 'idle' || isListenSession(backend) || backend.stateChangeMillis === null || backend.backendStartMillis === null) continue
    if (backend.stateChangeMillis + WITNESS_MARGIN_MILLIS > newestStart) continue
    candidates.push({
      backend,
      idleSeconds: Math.max(0, (nowMillis - backend.stateChangeMillis) / 1000),
      isUsedOnce: isUsedOnlyAtConnect(backend),
    })
  }
  return candidates
}

/** The connections the verdict rests on, or none: used-once ones at the scaled idle time, any at --abandoned-after. */
function abandonedOf(candidates: readonly Candidate[], abandonedAfterSeconds: number): Candidate[] {
  const usedOnce = candidates.filter((c) => c.isUsedOnce).sort((a, b) => b.idleSeconds - a.idleSeconds)
  let fast = 0
  for (let k = usedOnce.length; k >= MIN_FAST; k--) {
    if (usedOnce[k - 1]!.idleSeconds >= idleNeededSeconds(k, abandonedAfterSeconds)) {
      fast = k
      break
    }
  }
  const chosen = new Set(usedOnce.slice(0, fast))
  for (const candidate of candidates) if (candidate.idleSeconds >= abandonedAfterSeconds) chosen.add(candidate)
  return chosen.size >= MIN_SLOW ? [...chosen].sort((a, b) => b.idleSeconds - a.idleSeconds) : []
}

/**
 * Idle connections never used again while their group keeps opening new
 * ones: an engine, pool or client per request or per test that nobody
 * closes. Judged from one snapshot (backend_start and state_change say when
 * each was opened and last used), so `audit` names the culprit of a server
 * that is already full, and the verdict holds once the count is pinned at
 * the limit. How long they must have sat idle shrinks as their number grows.
 */
export function detectAbandonedConnections(input: DetectorInput): AbandonedConnectionsFinding[] {
  const { snapshot, thresholds } = input
  const now = snapshot.sampledAtMillis
  const findings: AbandonedConnectionsFinding[] = []
  for (const { key, backends: members } of clientGroups(snapshot, input.ignore, input.groupBy).values()) {
    if (members.length < MIN_SLOW + 1) continue
    const abandoned = abandonedOf(skippedConnections(members, now), thresholds.abandonedAfterSeconds)
    if (abandoned.length === 0) continue
    const oldest = abandoned[0]!
    const newest = abandoned[abandoned.length - 1]!
    const oldestIdleMillis = oldest.backend.stateChangeMillis!
    const openedInWindow = members.filter((b) => b.backendStartMillis !== null && b.backendStartMillis > oldestIdleMillis).length
    const starts = abandoned.map((c) => c.backend.backendStartMillis!)
    const openedOverSeconds = Math.round((Math.max(...starts) - Math.min(...starts)) / 1000)
    const usedOnceConnections = abandoned.filter((c) => c.isUsedOnce).length
    const label = groupLabel(key)
    const count = abandoned.length
    let newestStart = Number.NEGATIVE_INFINITY
    for (const member of members) if (member.backendStartMillis !== null && member.backendStartMillis > newestStart) newestStart = member.backendStartMillis
    const quietSeconds = Math.max(0, Math.round((now - newestStart) / 1000))
    const hasStopped = quietSeconds >= STOPPED_OPENING_SECONDS
    findings.push({
      kind: 'abandoned-connections',
      severity: count >= ERROR_COUNT ? 'error' : 'warning',
      title: `${label} left ${count} connections idle and unused, and ${hasStopped ? `has opened none for ${formatDuration(quietSeconds)}` : 'keeps opening new ones'}`,
      subject: groupSubject(key),
      pids: abandoned.slice(0, MAX_PIDS).map((c) => c.backend.pid),
      evidence: {
        abandonedConnections: count,
        usedOnceConnections,
        oldestIdleSeconds: Math.round(oldest.idleSeconds),
        minIdleSeconds: Math.round(newest.idleSeconds),
        openedInWindow,
        windowSeconds: Math.round((now - oldestIdleMillis) / 1000),
        openedOverSeconds,
        groupConnections: members.length,
        lastOpenedSecondsAgo: quietSeconds,
        lastQuery: oldest.backend.query,
      },
      advice:
        `${count} connections of ${label}${usedOnceConnections === count ? ', each used once right after it connected,' : ''} have sat idle for ${formatDuration(Math.round(newest.idleSeconds))} to ${formatDuration(Math.round(oldest.idleSeconds))}, ` +
        `while ${label} opened ${openedInWindow} more: a pool would have reused them. ` +
        (hasStopped
          ? `It has opened none for ${formatDuration(quietSeconds)}: if its requests now wait for a connection or time out (QueuePool limit of size N overflow M reached; timeout exceeded when trying to connect), its pool is full of checkouts never returned; if its traffic stopped, these connections are still held. `
          : '') +
        'Something creates connections (an engine, a pool, a client) per request or per test and never closes them, or checks them out of a pool and never gives them back: ' +
        'keep one engine or pool per process and dispose it in teardown (engine.dispose(), pool.end()); close a client you connected yourself (conn.close(), client.end()) ' +
        'and release one checked out of a pool (client.release(), connection.close(), Session.remove()) in a finally block or a with block. ' +
        'Until it is fixed, idle_session_timeout (PostgreSQL 14+) bounds the damage.',
    })
  }
  return findings
}
