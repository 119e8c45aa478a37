// A finding's figure in a few characters, for rows too narrow for its title:
// the live view puts it before the prose, so a cut title never cuts the number.
import { formatDuration } from '../core/duration.js'
import type { Finding } from '../core/finding.js'

export function findingFigure(finding: Finding): string {
  switch (finding.kind) {
    case 'headroom': {
      const e = finding.evidence
      return `${e.isFull ? 'full' : 'used'} ${e.connections + e.ownConnections}/${e.limit}`
    }
    case 'idle-in-transaction': {
      const e = finding.evidence
      if (e.scope === 'group') return `${e.sessions} × ${formatDuration(e.minAgeSeconds)}+`
      return e.blocking.length > 0 ? `${formatDuration(e.ageSeconds)}, blocks ${e.blocking.length}` : formatDuration(e.ageSeconds)
    }
    case 'connection-growth': {
      const e = finding.evidence
      if (e.limitReached && e.limit) return `reached ${e.limit.connections}/${e.limit.limit}`
      return e.etaSeconds !== null && e.limit ? `+${Math.round(e.slopePerMinute)}/m ${formatDuration(e.etaSeconds)}` : `+${e.slopePerMinute}/min`
    }
    case 'churn':
      return `${finding.evidence.isLowerBound ? '≥' : ''}${finding.evidence.openedPerMinute}/min`
    case 'abandoned-connections':
      return `${finding.evidence.abandonedConnections} unused`
    case 'pool-imbalance':
      return `${finding.evidence.unreturnedCount} unreturned`
    case 'pool-exhaustion': {
      const e = finding.evidence
      if (e.pooler) return `${e.pooler.clientsWaiting} waiting`
      return e.timeouts > 0 ? `${e.timeouts} timeouts` : `${e.tooManyClients} refused`
    }
    case 'multiple-pools':
      return `${finding.evidence.connectionsCreated} opened`
    case 'config':
      return `= ${finding.evidence.value}`
    case 'leftover-connections':
      return `${finding.evidence.connections} left`
    case 'pool-sizing': {
      const e = finding.evidence
      return e.basis === 'server' ? `${e.bursts} bursts` : `${e.canOpen}/${e.usableSlots}`
    }
    case 'pooler-client-growth':
      return `${finding.evidence.clients} clients`
  }
}

/** Reached its limit and still there: shown so, never as resolved. */
export function hasReachedLimit(finding: Finding): boolean {
  return finding.kind === 'connection-growth' && finding.evidence.limitReached
}
