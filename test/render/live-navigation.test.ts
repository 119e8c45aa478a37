// The live view's keys: moving, switching lists, opening and closing, sorting.
import { describe, expect, it } from 'vitest'
import { navigate, START_NAVIGATION, type LiveKey, type LiveNavigation, type LiveRows } from '../../src/render/live/live-navigation.js'

function press(keys: readonly LiveKey[], rows: LiveRows, from: LiveNavigation = START_NAVIGATION): LiveNavigation {
  return keys.reduce((navigation, key) => navigate(navigation, key, rows), from)
}

const rows: LiveRows = { groups: ['api', 'worker', 'cron'], findings: ['f1', 'f2'] }

describe('navigate', () => {
  it('starts on the findings, moves within them without running off either end, and opens the selected one', () => {
    expect(press(['down', 'down', 'down'], rows).finding).toBe('f2')
    expect(press(['down', 'up', 'up'], rows).finding).toBe('f1')
    expect(press(['down', 'enter'], rows).open).toEqual({ type: 'finding', key: 'f2' })
  })

  it('switches to the groups with tab, and opens a group to its sessions', () => {
    const opened = press(['tab', 'down', 'down', 'enter'], rows)
    expect(opened.open).toEqual({ type: 'group', id: 'cron' })
    expect(opened.focus).toBe('groups')
  })

  it('has the groups take the keys when there is no finding', () => {
    expect(press(['down', 'enter'], { groups: ['api', 'worker'], findings: [] }).open).toEqual({ type: 'group', id: 'worker' })
  })

  it('scrolls an open detail with the arrows, and goes back with Esc, keeping the selection', () => {
    const opened = press(['tab', 'down', 'enter', 'down', 'down', 'page-down', 'up'], rows)
    expect(opened.scroll).toBe(11)
    const back = press(['back'], rows, opened)
    expect(back).toMatchObject({ open: null, scroll: 0, group: 'worker', focus: 'groups' })
  })

  it('cycles the group sort in the lists and the session sort in an open group', () => {
    expect(press(['sort'], rows).groupSort).toBe('in tx')
    expect(press(['sort', 'sort', 'sort', 'sort', 'sort'], rows).groupSort).toBe('total')
    const inGroup = press(['tab', 'enter', 'sort'], rows)
    expect([inGroup.groupSort, inGroup.sessionSort]).toEqual(['total', 'state'])
  })

  it('starts from the first row when the selected one is gone', () => {
    const onWorker = press(['tab', 'down'], rows)
    expect(press(['enter'], { groups: ['api', 'cron'], findings: [] }, onWorker).open).toEqual({ type: 'group', id: 'api' })
  })
})
