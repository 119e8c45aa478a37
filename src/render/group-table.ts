import Table from 'cli-table3'
import type { GroupSummary } from '../core/connection-summary.js'
import { formatDuration } from '../core/duration.js'
import type { GroupDimension } from '../core/grouping.js'
import type { Palette } from './colors.js'

const DIMENSION_HEADINGS: Record<GroupDimension, string> = { app: 'application', user: 'user', db: 'database', client: 'client' }

function keyCell(group: GroupSummary, dimension: GroupDimension): string {
  const value = group.key[dimension]
  if (value === null || value === undefined) return '(not visible)'
  if (value === '') return dimension === 'app' ? '(no name)' : '(empty)'
  return value
}

const BORDERLESS = {
  top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
  bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
  left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '  ',
}

/** The per-group table: who holds the connections, in what state, for how long. */
export function renderGroupTable(palette: Palette, groups: readonly GroupSummary[], groupBy: readonly GroupDimension[]): string {
  const table = new Table({
    head: [...groupBy.map((d) => DIMENSION_HEADINGS[d]), 'total', 'active', 'idle', 'idle in tx', 'oldest tx', 'oldest conn'].map((h) => palette.bold(h)),
    chars: BORDERLESS,
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 },
    colAligns: [...groupBy.map(() => 'left' as const), 'right', 'right', 'right', 'right', 'right', 'right'],
  })
  for (const group of groups) {
    const listen = group.listening > 0 ? palette.dim(` (${group.listening} LISTEN)`) : ''
    const other = group.other > 0 ? palette.dim(` +${group.other}?`) : ''
    table.push([
      ...groupBy.map((d, i) => (i === 0 ? keyCell(group, d) + listen : keyCell(group, d))),
      `${group.total}${other}`,
      String(group.active),
      String(group.idle),
      group.idleInTransaction > 0 ? palette.yellow(String(group.idleInTransaction)) : '0',
      group.oldestTransactionSeconds === null ? '-' : formatDuration(group.oldestTransactionSeconds),
      group.oldestConnectionSeconds === null ? '-' : formatDuration(group.oldestConnectionSeconds),
    ])
  }
  return table.toString()
}
