// One line of figures per finding, in the kind's own terms.
import { formatDuration } from '../core/duration.js'
import type { Finding } from '../core/finding.js'

function truncate(text: string, max: number): string {
  const oneLine = text.replace(/\s+/g, ' ').trim()
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine
}

export function formatEvidence(finding: Finding, maxQueryLength = 100): string {
  switch (finding.kind) {
    case 'headroom': {
      const e = finding.evidence
      const hidden = e.hiddenConnections > 0 ? ` (${e.hiddenConnections} not visible to pgleak's role)` : ''
      return `${e.connections} of ${e.limit} in use, ${e.freeSlots} free${hidden}`
    }
    case 'idle-in-transaction': {
      const e = finding.evidence
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
  }
}

export { truncate }
