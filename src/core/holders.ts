// Who holds the connection slots: per group, how many connections and in what
// state. Every finding about capacity names them, so no advice has to send
// the user looking for what pgleak can already see.
import { isIdleInTransaction, type Backend } from './backend.js'
import { groupMembers, type GroupMembers } from './connection-summary.js'
import type { ConnectionHolderEvidence } from './finding.js'
import { groupLabel, groupSubject } from './group-subject.js'
import type { GroupDimension } from './grouping.js'
import { compareText } from './compare-text.js'

/** One group's share of the connections: the evidence's own shape. */
export type ConnectionHolder = ConnectionHolderEvidence

/** A group holding at least this share of the connections is who a capacity finding is about. */
export const DOMINANT_SHARE = 0.5
const LISTED_HOLDERS = 10

/** The groups holding `clients`, most connections first (at most ten). */
export function connectionHolders(clients: readonly Backend[], groupBy: readonly GroupDimension[], nowMillis: number): ConnectionHolder[] {
  return holdersOf(groupMembers(clients, groupBy), nowMillis)
}

/** The holders among groups already formed. */
export function holdersOf(groups: GroupMembers, nowMillis: number): ConnectionHolder[] {
  const holders: ConnectionHolder[] = []
  for (const { key, backends } of groups.values()) {
    let idle = 0
    let idleInTransaction = 0
    let active = 0
    let openedLastMinute = 0
    for (const backend of backends) {
      if (backend.state === 'idle') idle++
      else if (isIdleInTransaction(backend)) idleInTransaction++
      else if (backend.state === 'active') active++
      if (backend.backendStartMillis !== null && nowMillis - backend.backendStartMillis <= 60_000) openedLastMinute++
    }
    holders.push({ group: groupLabel(key), subject: groupSubject(key), connections: backends.length, idle, idleInTransaction, active, openedLastMinute })
  }
  return holders.sort((a, b) => b.connections - a.connections || compareText(a.group, b.group)).slice(0, LISTED_HOLDERS)
}

/** The holder with at least half of `total`, if one has. */
export function dominantHolder(holders: readonly ConnectionHolder[], total: number): ConnectionHolder | undefined {
  const top = holders[0]
  return top && total > 0 && top.connections / total >= DOMINANT_SHARE ? top : undefined
}

/** `api 24 (22 idle, 2 active), worker 3 (3 idle)`: the holders as advice names them. */
export function describeHolders(holders: readonly ConnectionHolder[], max = 3): string {
  const shown = holders.slice(0, max).map((h) => {
    const states = [
      h.idle > 0 ? `${h.idle} idle` : '',
      h.idleInTransaction > 0 ? `${h.idleInTransaction} idle in transaction` : '',
      h.active > 0 ? `${h.active} active` : '',
    ].filter((part) => part !== '')
    return `${h.group} ${h.connections}${states.length > 0 ? ` (${states.join(', ')})` : ''}`
  })
  return shown.join(', ') + (holders.length > max ? ', …' : '')
}
