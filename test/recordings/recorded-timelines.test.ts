// The detectors on timelines recorded from a real server (see
// test/fixtures/recordings/generate-recordings.mjs, which made them), one
// line per recording, healthy ones included: they must give no finding.
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { analyzeRecording } from '../../src/analyze-recording.js'
import type { FindingKind } from '../../src/core/finding.js'

function fixture(name: string): string {
  return fileURLToPath(new URL(`../fixtures/recordings/${name}.ndjson`, import.meta.url))
}

function testRecording(name: string, expected: readonly (readonly [FindingKind, string | null])[]): void {
  it(`${name}: ${expected.length === 0 ? 'no findings' : expected.map(([kind]) => kind).join(', ')}`, async () => {
    const result = await analyzeRecording(fixture(name))
    const found = result.findings.map((f) => [f.kind, f.subject.application] as const)
    expect([...found].sort()).toEqual([...expected].sort())
    expect(result.skipped.count).toBe(0)
  })
}

describe('recorded timelines', () => {
  testRecording('bursty-pool-10min', [])
  testRecording('steady-pool', [])
  testRecording('growth-every-5s', [
    ['connection-growth', 'report-worker'],
    ['abandoned-connections', 'report-worker'],
  ])
  testRecording('connection-per-request', [['churn', 'flask-app']])

  it('bursty-pool-10min really is ten minutes of a pool going from 5 to 15 and back', async () => {
    const result = await analyzeRecording(fixture('bursty-pool-10min'))
    expect(result.window.toMillis - result.window.fromMillis).toBeGreaterThanOrEqual(590_000)
    const points = [...result.monitor.timeline.groups][0]!.series.points()
    expect(Math.min(...points.map((p) => p.min))).toBeLessThanOrEqual(6)
    expect(Math.max(...points.map((p) => p.max))).toBeGreaterThanOrEqual(14)
  })

  it('connection-per-request: the rate comes from the server\'s own session count, and lives are short', async () => {
    const result = await analyzeRecording(fixture('connection-per-request'))
    const churn = result.findings.find((f) => f.kind === 'churn')
    expect(churn?.kind === 'churn' && churn.evidence).toMatchObject({ isLowerBound: false, medianLifeSeconds: expect.any(Number) })
    expect(churn?.kind === 'churn' && churn.evidence.medianLifeSeconds).toBeLessThan(2)
    expect(churn?.kind === 'churn' && churn.evidence.closedPerMinute).toBeGreaterThan(60)
  })

  it('growth-every-5s: the slope matches one connection every 5 s, and the time left is estimated', async () => {
    const result = await analyzeRecording(fixture('growth-every-5s'))
    const growth = result.findings.find((f) => f.kind === 'connection-growth')
    expect(growth?.kind === 'connection-growth' && growth.evidence.slopePerMinute).toBeGreaterThan(9)
    expect(growth?.kind === 'connection-growth' && growth.evidence.slopePerMinute).toBeLessThan(15)
    expect(growth?.kind === 'connection-growth' && growth.evidence.etaSeconds).toBeGreaterThan(0)
  })
})
