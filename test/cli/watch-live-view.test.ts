// The live view as a user sees it, in a real terminal (tmux) at 80 and then
// 160 columns: a leak that fills the server and two forgotten transactions of
// one application, the findings' figures whole, and the keys that open a
// finding and a group down to their sessions.
import { afterEach, describe, expect, it } from 'vitest'
import { BIN } from '../support/run-cli.js'
import { pidOf } from '../support/sessions.js'
import { useTestDatabase } from '../support/test-database.js'
import { NO_TMUX, TmuxTerminal, tmuxBinary } from '../support/tmux.js'
import { leakConnections, type RunningWorkload } from '../support/workloads.js'

if (!tmuxBinary) console.warn(`pgleak watch's live view in a terminal: ${NO_TMUX}`)

/** The row of the finding or group a screen marks as selected. */
function selectedRow(screen: readonly string[]): string | undefined {
  return screen.find((line) => line.startsWith('›'))
}

describe.skipIf(!tmuxBinary)('pgleak watch on a terminal', () => {
  // 30 slots, 27 usable by an application's role: a leak of a few a second fills them in seconds.
  const db = useTestDatabase({ settings: { max_connections: 30 } })
  let terminal: TmuxTerminal | undefined
  let leak: RunningWorkload | undefined
  afterEach(async () => {
    terminal?.close()
    await leak?.stop()
  })

  it('shows a leak at the limit as reached, numbers before prose at 80 columns, and drills down with the keys', async () => {
    await db().admin(`DO $$ BEGIN CREATE ROLE shop LOGIN PASSWORD 'shop'; EXCEPTION WHEN duplicate_object THEN NULL; END $$`)
    const asShop = { user: 'shop', password: 'shop' }
    const forgotten = [await db().openSession({ ...asShop, application: 'billing-worker' }), await db().openSession({ ...asShop, application: 'billing-worker' })]
    const forgottenPids = await Promise.all(forgotten.map(pidOf))
    for (const session of forgotten) {
      await session.query('BEGIN')
      await session.query('SELECT count(*) FROM pg_class')
    }
    leak = leakConnections(db().url(asShop), 'order-service', 300)
    terminal = new TmuxTerminal(['node', BIN, 'watch', '--dsn', db().url(), '--max-idle-in-transaction', '5s'], { columns: 80, rows: 24 }, { TERM: 'xterm-256color' })

    // The leak fills the usable slots in about ten seconds; connection-growth judges after 45 s.
    const narrow = await terminal.waitFor((screen) => /ERROR reached 27\/27/.test(screen) && /billing-worker has 2 sessions/.test(screen), 120_000)
    expect(narrow.every((line) => line.length <= 80)).toBe(true)
    expect(narrow.find((line) => line.startsWith('  order-service'))).toMatch(/^ {2}order-service +2\d +0 +2\d +0 +\S+ +limit +- *$/)
    // Each finding's figure comes before its title, and a title too long for the row goes on below it.
    const findings = narrow.slice(narrow.findIndex((line) => line.startsWith('findings (')) + 1).join(' ').replace(/\s+/g, ' ')
    expect(findings).toMatch(/ERROR reached 27\/27 order-service keeps opening connections it never closes: \+[\d.]+\/min, usable slots reached \(27 of 27\)/)
    expect(findings).toMatch(/(WARN|ERROR) 2 × \d+s\+ billing-worker has 2 sessions idle in transaction for \d+s/)
    expect(findings).toMatch(/ERROR full 27\/27 the server is full/)

    // Down to the forgotten transactions' finding, and open it: its pids, advice and sessions.
    for (let i = 0; i < 8 && !selectedRow(terminal.screen())?.includes('billing-worker'); i++) {
      terminal.press('Down')
      await new Promise((resolve) => setTimeout(resolve, 300))
    }
    terminal.press('Enter')
    const finding = await terminal.waitFor((screen) => screen.includes('its sessions now'), 5000)
    const findingText = finding.join('\n')
    expect(finding[2]).toMatch(/^esc back · ↑↓ scroll/)
    expect(findingText).toMatch(new RegExp(`^pids +(${forgottenPids.join(', ')}|${[...forgottenPids].reverse().join(', ')})$`, 'm'))
    expect(findingText).toMatch(/^advice +2 sessions of billing-worker sit idle inside transactions/m)
    // Its sessions are below the fold at 24 rows: scroll to them.
    terminal.press('PageDown')
    const sessions = (await terminal.waitFor((screen) => screen.includes('(end)'), 5000)).join('\n')
    for (const pid of forgottenPids) expect(sessions).toMatch(new RegExp(`^ +${pid} +\\d+s +\\d+s +idle in tx +127\\.0\\.0\\.1:\\d+ +SELECT count\\(\\*\\) FROM pg_`, 'm'))

    // Back, over to the groups, and open the leaking one: its sessions, oldest first.
    terminal.press('Escape')
    await terminal.waitFor((screen) => screen.includes('findings ('), 5000)
    terminal.press('Tab')
    await terminal.waitFor((screen) => /^› order-service/m.test(screen), 5000)
    terminal.press('Enter')
    const group = await terminal.waitFor((screen) => /^order-service · \d+ connections/m.test(screen), 5000)
    expect(group[4]).toMatch(/^ +pid +in state +conn age +state +client +last query$/)
    const ages = group.slice(5).filter((line) => /^ +\d+ /.test(line)).map((line) => line.trim().split(/\s+/)[2]!)
    expect(ages.length).toBeGreaterThanOrEqual(10)
    expect(group.at(-1)).toMatch(/^↓ \d+ more lines?$/)

    // At 160 columns the kinds have a column and the titles a line each.
    terminal.press('Escape')
    terminal.resize({ columns: 160, rows: 40 })
    const wide = await terminal.waitFor((screen) => /ERROR connection-growth +reached 27\/27 +order-service keeps opening connections it never closes: \+[\d.]+\/min, usable slots reached \(27 of 27\)$/m.test(screen), 5000)
    expect(wide.every((line) => line.length <= 160)).toBe(true)
    expect(wide.find((line) => line.includes('idle-in-transaction'))).toMatch(/idle-in-transaction +2 × \d+s\+ +billing-worker has 2 sessions idle in transaction for \d+s$/)

    // And the drill-down at that width: the group's sessions with their whole last query.
    terminal.press('Enter')
    const wideGroup = await terminal.waitFor((screen) => /^order-service · \d+ connections/m.test(screen), 5000)
    const wideSessions = wideGroup.filter((line) => /^ +\d+ /.test(line))
    expect(wideSessions.length).toBeGreaterThan(20)
    expect(wideSessions.every((line) => / +idle +127\.0\.0\.1:\d+ +SELECT 1$/.test(line))).toBe(true)
    terminal.press('Escape')

    terminal.press('q')
    const summary = await terminal.waitFor((screen) => /^exit \d$/m.test(screen), 10_000)
    expect(summary.join('\n')).toMatch(/^exit 1$/m)
  }, 180_000)
})
