// The HTML report's size and content without a browser: a day of polls stays
// small, the biggest groups are drawn apart, and --redact reaches the cards.
import { describe, expect, it } from 'vitest'
import { serverInfo } from '../../src/core/audit-report.js'
import { LeakMonitor } from '../../src/core/leak-monitor.js'
import { DEFAULT_THRESHOLDS } from '../../src/core/thresholds.js'
import { htmlReportOfWatch, renderHtmlReport } from '../../src/render/html/html-report.js'
import type { WatchResult } from '../../src/watch.js'
import { backend, idleInTransaction, NOW, settings, snapshot } from '../support/builders.js'

function watchResult(monitor: LeakMonitor, fromMillis: number, toMillis: number, samples: number): WatchResult {
  return { server: serverInfo(settings(), 'app@db:5432/shop'), findings: monitor.findings(), window: { fromMillis, toMillis, samples }, gaps: [], monitor }
}

describe('the HTML report', () => {
  it('of a day of 1 s polls over twelve groups stays a few hundred KB, nine bands drawn', () => {
    const monitor = new LeakMonitor(settings({ maxConnections: 200 }), { groupBy: ['app'], ignore: [], thresholds: DEFAULT_THRESHOLDS })
    const groups = Array.from({ length: 12 }, (_, g) => Array.from({ length: g + 1 }, () => backend({ application: `service-${g}`, state: 'idle' })))
    const day = 86_400
    for (let s = 0; s < day; s++) {
      // A burst every ten minutes: the peaks must survive the downsampling.
      const burst = s % 600 === 0 ? Array.from({ length: 30 }, () => backend({ application: 'service-0', state: 'active' })) : []
      monitor.ingest(snapshot([...groups.flat(), ...burst], NOW + s * 1000))
    }
    const html = renderHtmlReport(htmlReportOfWatch(watchResult(monitor, NOW, NOW + day * 1000, day), 'pgleak watch'))
    expect(html.length).toBeLessThan(300_000)
    const bands = [...html.matchAll(/<path class="series" data-group="([^"]+)"/g)].map((m) => m[1])
    expect(bands).toHaveLength(9)
    expect(bands[0]).toBe('service-0')
    expect(bands.at(-1)).toBe('4 other groups')
    expect(html).not.toMatch(/<script/i)
  })

  it('draws each band in flat steps: every edge of its outline is level or upright', () => {
    const monitor = new LeakMonitor(settings(), { groupBy: ['app'], ignore: [], thresholds: DEFAULT_THRESHOLDS })
    const api = Array.from({ length: 6 }, () => backend({ application: 'api', state: 'idle' }))
    const worker = Array.from({ length: 4 }, () => backend({ application: 'worker', state: 'idle' }))
    ;[1, 3, 2, 6, 4].forEach((n, s) => monitor.ingest(snapshot([...api.slice(0, n), ...worker.slice(0, 5 - Math.min(n, 4))], NOW + s * 1000)))
    const html = renderHtmlReport(htmlReportOfWatch(watchResult(monitor, NOW, NOW + 4000, 5), 'pgleak watch'))
    const outlines = [...html.matchAll(/<path class="series" data-group="[^"]+" d="M([^"]+) Z"/g)].map((m) => m[1]!.split(' L').map((p) => p.split(',').map(Number) as [number, number]))
    expect(outlines).toHaveLength(2)
    for (const points of outlines) {
      points.forEach((point, i) => {
        const next = points[(i + 1) % points.length]!
        expect(point[0] === next[0] || point[1] === next[1], `edge ${point} -> ${next}`).toBe(true)
      })
    }
  })

  it('redacts the query text in the cards with --redact', () => {
    const monitor = new LeakMonitor(settings(), { groupBy: ['app'], ignore: [], thresholds: DEFAULT_THRESHOLDS })
    const stuck = idleInTransaction({ application: 'billing', idleSeconds: 600, query: "UPDATE cards SET number = '4111111111111111' WHERE id = 7" })
    monitor.ingest(snapshot([stuck], NOW))
    const report = htmlReportOfWatch(watchResult(monitor, NOW, NOW, 1), 'pgleak watch')
    expect(renderHtmlReport(report)).toContain('4111111111111111')
    const redacted = renderHtmlReport(report, { redact: true })
    expect(redacted).not.toContain('4111111111111111')
    expect(redacted).toMatch(/UPDATE cards SET number = \?/)
  })
})
