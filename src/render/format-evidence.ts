// One line of figures per finding, in the kind's own terms.
import { formatDuration } from '../core/duration.js'
import { applicationFrame } from '../core/detectors/pool/pool-imbalance.js'
import type { Finding } from '../core/finding.js'
import { describeHolders } from '../core/holders.js'

function truncate(text: string, max: number): string {
  const oneLine = text.replace(/\s+/g, ' ').trim()
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine
}

export function formatEvidence(finding: Finding, maxQueryLength = 100): string {
  switch (finding.kind) {
    case 'headroom': {
      const e = finding.evidence
      const hidden = e.hiddenConnections > 0 ? ` (${e.hiddenConnections} not visible to pgleak's role)` : ''
      const own = e.ownConnections > 0 ? ` (+${e.ownConnections} pgleak)` : ''
      const holders = e.holders.length > 0 ? ` · held by ${describeHolders(e.holders)}` : ''
      return `${e.connections}${own} of ${e.limit} in use, ${e.isFull ? 'full' : `${e.freeSlots} free`}${hidden}${holders}`
    }
    case 'idle-in-transaction': {
      const e = finding.evidence
      if (e.scope === 'group') {
        const parts = [`${e.sessions} sessions idle in transaction ${formatDuration(e.minAgeSeconds)} to ${formatDuration(e.ageSeconds)}`, `${e.newInLast10Seconds} in the last 10s`]
        if (e.blocking.length > 0) parts.push(`blocking pid ${e.blocking.join(', ')}`)
        if (e.lastQuery) parts.push(`last query: ${truncate(e.lastQuery, maxQueryLength)}`)
        return parts.join(' · ')
      }
      const parts = [`idle ${formatDuration(e.ageSeconds)}`]
      if (e.transactionAgeSeconds !== null) parts.push(`transaction open ${formatDuration(e.transactionAgeSeconds)}`)
      if (e.blocking.length > 0) parts.push(`blocking pid ${e.blocking.join(', ')}`)
      if (e.xminAge !== null && e.xminAge > 0) parts.push(`holds vacuum back ${e.xminAge} xids`)
      if (e.lastQuery) parts.push(`last query: ${truncate(e.lastQuery, maxQueryLength)}`)
      return parts.join(' · ')
    }
    case 'config': {
      const e = finding.evidence
      return `${e.setting} = ${e.value}; suggested ${e.suggested}`
    }
    case 'connection-growth': {
      const e = finding.evidence
      const parts = [`+${e.slopePerMinute}/min since ${e.since.slice(11, 19)}`, `floor ${e.floorConnections} (risen ${e.risenBy})`, `now ${e.connections}`, `confidence ${e.confidence}`]
      const limitName = e.limit ? (e.limit.scope === 'server' ? 'usable slots' : `${e.limit.scope} ${e.limit.name} limit`) : ''
      if (e.limitReached && e.limit) parts.push(`${limitName} reached: ${e.limit.connections} of ${e.limit.limit}`)
      else if (e.etaSeconds !== null && e.limit) parts.push(`${limitName} gone in ~${formatDuration(e.etaSeconds)}`)
      return parts.join(' · ')
    }
    case 'pooler-client-growth': {
      const e = finding.evidence
      return `PgBouncer ${e.pooler} · ${e.clients} clients (+${e.riseInWindow} in ${formatDuration(e.windowSeconds)}) · ${e.stuckClients} stuck, ${e.waitingClients} waiting · server sees ${e.serverConnections} · ${e.pooledClients} of max_client_conn ${e.maxClientConn} · from ${e.clientAddresses.slice(0, 3).join(', ')}`
    }
    case 'churn': {
      const e = finding.evidence
      const bound = e.isLowerBound ? '≥' : '~'
      const life = e.medianLifeSeconds === null ? '' : ` · median life ${e.medianLifeSeconds}s`
      return `${bound}${e.openedPerMinute} opened/min · ${bound}${e.closedPerMinute} closed/min${life} · over ${formatDuration(e.windowSeconds)}`
    }
    case 'leftover-connections': {
      const e = finding.evidence
      const shown = e.sessions
        .slice(0, 5)
        .map((s) => `pid ${s.pid} ${s.application || '(no name)'} ${s.state ?? '?'}${s.ageSeconds !== null ? ` ${formatDuration(s.ageSeconds)}` : ''}${s.lastQuery ? ` "${truncate(s.lastQuery, 40)}"` : ''}`)
      return `${e.connections} still open ${formatDuration(e.settleSeconds)} after the command ended: ${shown.join('; ')}${e.sessions.length > 5 ? '; …' : ''}`
    }
    case 'pool-imbalance': {
      const e = finding.evidence
      const parts = e.checkouts > 0 ? [`${e.checkouts} checkouts, ${e.checkins} checkins`] : []
      for (const u of e.unreturned.slice(0, 3)) {
        const held = u.heldSeconds !== null ? ` held ${formatDuration(u.heldSeconds)}` : ''
        const frame = u.stack ? applicationFrame(u.stack) : undefined
        const where = frame ? ` at ${frame.replace(/^at /, '')}` : u.thread ? ` thread ${u.thread}` : ''
        const server = u.backendPid !== null ? ` pid ${u.backendPid}${u.backend ? ` ${u.backend.state ?? '?'}${u.backend.stateSeconds !== null ? ` ${formatDuration(u.backend.stateSeconds)}` : ''}` : ''}` : ''
        parts.push(`${u.connection ? `connection ${u.connection}` : `checkout${u.thread ? ` on ${u.thread}` : ""}`}${held}${where}${server} (line ${u.line})`)
      }
      if (e.unreturnedCount > 3) parts.push(`${e.unreturnedCount - 3} more`)
      if (e.unreturnedCount === 0 && e.longHolds[0]) parts.push(`longest hold ${formatDuration(e.longHolds[0].heldSeconds)} (line ${e.longHolds[0].line})`)
      if (e.medianHoldSeconds !== null) parts.push(`median hold ${formatDuration(e.medianHoldSeconds)}`)
      return parts.join(' · ')
    }
    case 'pool-exhaustion': {
      const e = finding.evidence
      if (e.pooler) {
        const p = e.pooler
        return `PgBouncer ${p.pooler} · ${p.clientsWaiting} waiting, maxwait ${p.maxWaitSeconds}s · ${p.serverConnections} servers · ${p.clients} of max_client_conn ${p.maxClientConn} clients · ${p.poolMode} mode`
      }
      const parts = e.timeouts > 0 ? [`${e.timeouts} timeouts`] : [`${e.tooManyClients} refused`]
      if (e.first) parts.push(`first ${e.first.slice(11, 19)}`)
      parts.push(`line ${e.firstLine}`)
      if (e.text) parts.push(truncate(e.text, 100))
      return parts.join(' · ')
    }
    case 'multiple-pools': {
      const e = finding.evidence
      const stranded = e.createdWhileIdle > 0 ? ` · ${e.createdWhileIdle} opened while up to ${e.strandedConnections} sat unused` : ''
      return `${e.connectionsCreated} connections created, ${e.connectionsClosed} closed, ${e.stillOpen} still open${stranded} · ${e.checkouts} checkouts, ${e.checkins} checkins${e.pools > 1 ? ` · ${e.pools} pools` : ''}${e.process !== null ? ` · process ${e.process}` : ''}`
    }
    case 'pool-sizing': {
      const e = finding.evidence
      if (e.basis === 'pool-logs') {
        const pools = e.pools.map((p) => `${p.pool} ${p.sizeFrom === 'peak-seen' ? `${p.peakOpen} seen open` : `${p.poolSize}${p.maxOverflow ? ` + ${p.maxOverflow}` : ''}`}`)
        return `${e.processes} process${e.processes === 1 ? '' : 'es'} · can open ${e.canOpen} of ${e.usableSlots} usable · ${e.refusedConnections} refused · ${pools.slice(0, 6).join(', ')}${pools.length > 6 ? ', ...' : ''}`
      }
      if (e.basis === 'pooler') {
        return `PgBouncer ${e.pooler} · can open ${e.canOpen} of ${e.usableSlots} usable · ${e.pools.map((p) => `${p.pool} ${p.poolSize}${p.reservePool ? ` + ${p.reservePool}` : ''}`).join(', ')}`
      }
      const addresses = e.clientAddresses.length > 1 ? ` · from ${e.clientAddresses.map((a) => `${a.address} ${a.connections}`).join(', ')}` : ''
      return `${e.bursts} bursts to the limit in ${formatDuration(e.windowSeconds)} · peak ${e.peakConnections}, floor ${e.floorConnections} · server ${e.serverPeakConnections} of ${e.usableSlots} usable${addresses}`
    }
    case 'abandoned-connections': {
      const e = finding.evidence
      const parts = [
        `${e.abandonedConnections} idle and unused (${e.usedOnceConnections} used once)`,
        `idle ${formatDuration(e.minIdleSeconds)} to ${formatDuration(e.oldestIdleSeconds)}`,
        `${e.openedInWindow} opened since`,
        `${e.groupConnections} held`,
      ]
      if (e.lastQuery) parts.push(`last query: ${truncate(e.lastQuery, maxQueryLength)}`)
      return parts.join(' · ')
    }
  }
}

export { truncate }
