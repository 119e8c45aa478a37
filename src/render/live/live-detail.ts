// What the live view shows when a row is opened: a group's sessions (pid,
// age, state, client, last query), or one finding whole (figures, pids,
// advice, and the sessions it names as they are now).
import type { Backend } from '../../core/backend.js'
import { isIdleInTransaction } from '../../core/backend.js'
import { clientGroups, summarizeGroup } from '../../core/connection-summary.js'
import { secondsBetween } from '../../core/describe-backend.js'
import { formatDuration } from '../../core/duration.js'
import type { TrackedFinding } from '../../core/finding-tracker.js'
import { groupLabel } from '../../core/group-subject.js'
import type { LeakMonitor } from '../../core/leak-monitor.js'
import { severityBadge, type Palette } from '../colors.js'
import { findingFigure, hasReachedLimit } from '../finding-figure.js'
import { formatEvidence } from '../format-evidence.js'
import { wrapText } from '../wrap-text.js'
import type { SessionSort } from './live-navigation.js'

function stateName(backend: Backend): string {
  switch (backend.state) {
    case 'idle in transaction':
      return 'idle in tx'
    case 'idle in transaction (aborted)':
      return 'aborted tx'
    case 'fastpath function call':
      return 'fastpath'
    case null:
      return '?'
    default:
      return backend.state
  }
}

/** Sessions in transaction first: they are the ones that hold locks and slots. */
const STATE_ORDER = ['aborted tx', 'idle in tx', 'active', 'idle']

function age(fromMillis: number | null, nowMillis: number): string {
  const seconds = secondsBetween(fromMillis, nowMillis)
  return seconds === null ? '-' : formatDuration(Math.floor(seconds))
}

function sortSessions(backends: readonly Backend[], sort: SessionSort): Backend[] {
  const stateChange = (b: Backend): number => b.stateChangeMillis ?? Number.POSITIVE_INFINITY
  const byAge = (a: Backend, b: Backend): number => stateChange(a) - stateChange(b) || a.pid - b.pid
  const rank = (b: Backend): number => {
    const index = STATE_ORDER.indexOf(stateName(b))
    return index === -1 ? STATE_ORDER.length : index
  }
  switch (sort) {
    case 'age':
      return [...backends].sort(byAge)
    case 'state':
      return [...backends].sort((a, b) => rank(a) - rank(b) || byAge(a, b))
    case 'pid':
      return [...backends].sort((a, b) => a.pid - b.pid)
  }
}

/** A table of sessions, figures first so a narrow terminal cuts only the query. */
export function sessionTable(palette: Palette, backends: readonly Backend[], nowMillis: number, width: number): string[] {
  const clientWidth = width >= 120 ? 21 : 15
  const header = `${'pid'.padStart(7)} ${'in state'.padStart(8)} ${'conn age'.padStart(8)} ${'state'.padEnd(10)} ${'client'.padEnd(clientWidth)} last query`
  const lines = [palette.bold(header)]
  for (const backend of backends) {
    const client = backend.clientAddr === null ? 'local' : backend.clientPort === null ? backend.clientAddr : `${backend.clientAddr}:${backend.clientPort}`
    const state = stateName(backend).padEnd(10)
    const query = (backend.query ?? '').replace(/\s+/g, ' ').trim()
    lines.push(
      `${String(backend.pid).padStart(7)} ${age(backend.stateChangeMillis, nowMillis).padStart(8)} ${age(backend.backendStartMillis, nowMillis).padStart(8)} ` +
        `${isIdleInTransaction(backend) ? palette.yellow(state) : state} ${client.length > clientWidth ? `${client.slice(0, clientWidth - 1)}…` : client.padEnd(clientWidth)} ${palette.dim(query || '-')}`,
    )
  }
  return lines
}

export function groupDetailLines(palette: Palette, monitor: LeakMonitor, groupId: string, sort: SessionSort, width: number): string[] {
  const timeline = monitor.timeline
  const latest = timeline.latest
  const group = [...timeline.groups].find((g) => g.id === groupId)
  if (!latest || !group) return [palette.dim('this group has no connections now')]
  const members = clientGroups(latest, timeline.ignore, timeline.groupBy).get(groupId)?.backends ?? []
  const summary = summarizeGroup(group.key, members, latest.sampledAtMillis)
  const lines = [
    `${palette.bold(groupLabel(group.key))} · ${summary.total} connection${summary.total === 1 ? '' : 's'}: ${summary.active} active, ${summary.idle} idle, ${summary.idleInTransaction} in tx`,
  ]
  if (members.length === 0) return [...lines, palette.dim('no connections now')]
  return [...lines, ...sessionTable(palette, sortSessions(members, sort), latest.sampledAtMillis, width)]
}

function labelled(label: string, text: string, width: number): string[] {
  return wrapText(`${label.padEnd(9)} ${text}`, width, '', ' '.repeat(10)).split('\n')
}

function clock(iso: string): string {
  return iso.slice(11, 19)
}

export function findingDetailLines(palette: Palette, monitor: LeakMonitor, finding: TrackedFinding | undefined, width: number): string[] {
  if (!finding) return [palette.dim('this finding is no longer active')]
  const status = hasReachedLimit(finding) ? palette.red('reached its limit') : 'active'
  const lines = [
    `${severityBadge(palette, finding.severity)} ${findingFigure(finding)} · ${finding.kind} · ${status}`,
    ...wrapText(palette.bold(finding.title), width, '').split('\n'),
    '',
    ...labelled('figures', formatEvidence(finding, 200), width),
    ...labelled('seen', `${clock(finding.firstSeenAt)} to ${clock(finding.lastSeenAt)} UTC`, width),
  ]
  if (finding.pids.length > 0) lines.push(...labelled(finding.pids.length === 1 ? 'pid' : 'pids', finding.pids.join(', '), width))
  if (finding.poolerClients && finding.poolerClients.length > 0) {
    lines.push(...labelled('clients', finding.poolerClients.map((c) => `pid ${c.backendPid}: ${c.application || '(no name)'}${c.clientAddr ? ` ${c.clientAddr}${c.clientPort === null ? '' : `:${c.clientPort}`}` : ''}`).join(', '), width))
  }
  lines.push('', ...labelled('advice', finding.advice, width))
  const latest = monitor.timeline.latest
  if (latest && finding.pids.length > 0) {
    const pids = new Set(finding.pids)
    const sessions = latest.backends.filter((b) => pids.has(b.pid))
    lines.push('', palette.bold(`its sessions now (${sessions.length} of ${finding.pids.length})`))
    if (sessions.length > 0) lines.push(...sessionTable(palette, sortSessions(sessions, 'age'), latest.sampledAtMillis, width))
  }
  return lines
}
