// The live view's group rows count what the timeline's groups count.
import { stripVTControlCharacters } from 'node:util'
import { describe, expect, it } from 'vitest'
import { serverInfo } from '../../src/core/audit-report.js'
import { parseIgnoreRule, type IgnoreRule } from '../../src/core/ignore-rule.js'
import { LeakMonitor } from '../../src/core/leak-monitor.js'
import { DEFAULT_THRESHOLDS } from '../../src/core/thresholds.js'
import { createPalette } from '../../src/render/colors.js'
import { renderLiveFrame } from '../../src/render/live-view.js'
import { backend, idleInTransaction, settings, snapshot } from '../support/builders.js'

describe('the live view', () => {
  it('leaves ignored sessions out of their group row, and counts them against the server', () => {
    const ignore = [parseIgnoreRule('user=backup') as IgnoreRule]
    const monitor = new LeakMonitor(settings(), { groupBy: ['app'], ignore, thresholds: DEFAULT_THRESHOLDS })
    monitor.ingest(
      snapshot([
        backend({ pid: 1, application: 'api', user: 'app', state: 'idle' }),
        idleInTransaction({ pid: 2, application: 'api', user: 'app', idleSeconds: 5 }),
        backend({ pid: 3, application: 'api', user: 'backup', state: 'active' }),
      ]),
    )
    const state = { server: serverInfo(settings(), 'test'), monitor, intervalMillis: 1000, status: '', isPaused: false }
    const frame = renderLiveFrame(createPalette({ isColor: false }), state, monitor.active(), { columns: 160, rows: 30 }).map((line) => stripVTControlCharacters(line))
    const apiRow = frame.find((line) => line.startsWith('api '))
    expect(apiRow?.split(/\s+/).slice(0, 5)).toEqual(['api', '2', '0', '1', '1'])
    expect(frame[1]).toMatch(/ 3\/\d+ /)
  })
})
