// The check's chart for GitHub Markdown: few enough points to read, and the peak never averaged away.
import { describe, expect, it } from 'vitest'
import { runChartMermaid } from '../../src/render/run-chart-mermaid.js'

function lineOf(chart: string): number[] {
  return /line \[([\d, ]+)\]/.exec(chart)![1]!.split(', ').map(Number)
}

describe('the run chart', () => {
  it('draws a short run poll by poll, in tenths of a second', () => {
    const chart = runChartMermaid([0, 1, 2, 2, 3].map((count, i) => ({ atMillis: 1000 + i * 500, count })), 'run')!
    expect(chart.split('\n')[0]).toBe('```mermaid')
    expect(chart).toContain('x-axis "seconds into the run" [0, 0.5, 1, 1.5, 2]')
    expect(chart).toContain('y-axis "client connections" 0 --> 3')
    expect(lineOf(chart)).toEqual([0, 1, 2, 2, 3])
  })

  it("cuts a long run to 40 points, each its span's highest, so a one-poll peak stays", () => {
    const points = Array.from({ length: 600 }, (_, i) => ({ atMillis: i * 500, count: i === 317 ? 50 : 5 + Math.floor(i / 100) }))
    const line = lineOf(runChartMermaid(points, 'run')!)
    expect(line).toHaveLength(40)
    expect(Math.max(...line)).toBe(50)
    expect(line[0]).toBe(5)
    expect(line[39]).toBe(10)
  })

  it('draws nothing for a single look', () => {
    expect(runChartMermaid([{ atMillis: 0, count: 3 }], 'once')).toBeUndefined()
  })
})
