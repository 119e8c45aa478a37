// Where the user is in the live view: which list has the keys, what is
// selected in each, what is open, how the lists are sorted. A pure reducer of
// keys, so the terminal side only reads keys and the renderer only reads this.

/** Keys the live view knows, whatever bytes the terminal sent for them. */
export type LiveKey = 'up' | 'down' | 'page-up' | 'page-down' | 'enter' | 'back' | 'tab' | 'sort' | 'pause' | 'quit'

export const GROUP_SORTS = ['total', 'in tx', '/min', 'oldest tx', 'name'] as const
export type GroupSort = (typeof GROUP_SORTS)[number]

export const SESSION_SORTS = ['age', 'state', 'pid'] as const
export type SessionSort = (typeof SESSION_SORTS)[number]

export type LiveFocus = 'groups' | 'findings'

/** What is open over the lists: a group's sessions, or one finding whole. */
export type OpenDetail = { readonly type: 'group'; readonly id: string } | { readonly type: 'finding'; readonly key: string }

export interface LiveNavigation {
  readonly focus: LiveFocus
  /** The selected group's id and finding's key; null (or one no longer shown) means the first. */
  readonly group: string | null
  readonly finding: string | null
  readonly open: OpenDetail | null
  readonly groupSort: GroupSort
  readonly sessionSort: SessionSort
  /** Lines scrolled in an open detail. */
  readonly scroll: number
}

export const START_NAVIGATION: LiveNavigation = {
  focus: 'findings',
  group: null,
  finding: null,
  open: null,
  groupSort: 'total',
  sessionSort: 'age',
  scroll: 0,
}

/** The rows on screen, in their order: what the keys move through. */
export interface LiveRows {
  readonly groups: readonly string[]
  readonly findings: readonly string[]
  /** How far the open detail can scroll before its end is on screen (none: no bound known). */
  readonly maxScroll?: number
}

const PAGE = 10

function cycle<T>(values: readonly T[], current: T): T {
  return values[(values.indexOf(current) + 1) % values.length]!
}

/** The selected row of a list: the one chosen if it is still there, else the first. */
export function selectedOf(rows: readonly string[], chosen: string | null): string | null {
  if (chosen !== null && rows.includes(chosen)) return chosen
  return rows[0] ?? null
}

/** The list that has the keys: the one asked for, or the other when it is empty. */
export function focusOf(navigation: LiveNavigation, rows: LiveRows): LiveFocus {
  if (navigation.focus === 'findings' && rows.findings.length === 0) return 'groups'
  if (navigation.focus === 'groups' && rows.groups.length === 0 && rows.findings.length > 0) return 'findings'
  return navigation.focus
}

function move(rows: readonly string[], chosen: string | null, by: number): string | null {
  const current = selectedOf(rows, chosen)
  if (current === null) return null
  const index = Math.min(rows.length - 1, Math.max(0, rows.indexOf(current) + by))
  return rows[index]!
}

export function navigate(navigation: LiveNavigation, key: LiveKey, rows: LiveRows): LiveNavigation {
  if (navigation.open) {
    switch (key) {
      case 'up':
        return { ...navigation, scroll: Math.max(0, navigation.scroll - 1) }
      case 'down':
        return { ...navigation, scroll: Math.min(navigation.scroll + 1, rows.maxScroll ?? Number.POSITIVE_INFINITY) }
      case 'page-up':
        return { ...navigation, scroll: Math.max(0, navigation.scroll - PAGE) }
      case 'page-down':
        return { ...navigation, scroll: Math.min(navigation.scroll + PAGE, rows.maxScroll ?? Number.POSITIVE_INFINITY) }
      case 'enter':
      case 'back':
        return { ...navigation, open: null, scroll: 0 }
      case 'sort':
        return navigation.open.type === 'group' ? { ...navigation, sessionSort: cycle(SESSION_SORTS, navigation.sessionSort), scroll: 0 } : navigation
      default:
        return navigation
    }
  }
  const focus = focusOf(navigation, rows)
  const by = key === 'up' ? -1 : key === 'down' ? 1 : key === 'page-up' ? -PAGE : key === 'page-down' ? PAGE : 0
  if (by !== 0) {
    return focus === 'groups' ? { ...navigation, focus, group: move(rows.groups, navigation.group, by) } : { ...navigation, focus, finding: move(rows.findings, navigation.finding, by) }
  }
  switch (key) {
    case 'tab': {
      const other: LiveFocus = focus === 'groups' ? 'findings' : 'groups'
      return (other === 'groups' ? rows.groups : rows.findings).length > 0 ? { ...navigation, focus: other } : navigation
    }
    case 'enter': {
      if (focus === 'groups') {
        const id = selectedOf(rows.groups, navigation.group)
        return id === null ? navigation : { ...navigation, focus, group: id, open: { type: 'group', id }, scroll: 0 }
      }
      const findingKey = selectedOf(rows.findings, navigation.finding)
      return findingKey === null ? navigation : { ...navigation, focus, finding: findingKey, open: { type: 'finding', key: findingKey }, scroll: 0 }
    }
    case 'sort':
      return { ...navigation, groupSort: cycle(GROUP_SORTS, navigation.groupSort) }
    default:
      return navigation
  }
}
