// The sample of hold times and lifetimes the churn and imbalance detectors
// take medians and rates from: it must keep the latest values, in order,
// however many a log adds.
import { describe, expect, it } from 'vitest'
import { RecentSample } from '../../src/core/recent-sample.js'

function filled(limit: number, count: number): RecentSample {
  const sample = new RecentSample(limit)
  for (let i = 0; i < count; i++) sample.add(i * 10, 1000 + i)
  return sample
}

describe('RecentSample', () => {
  it('keeps everything, in order, until it reaches its limit', () => {
    const sample = filled(2000, 100)
    expect(sample.size).toBe(100)
    expect(sample.values()).toEqual(Array.from({ length: 100 }, (_, i) => i * 10))
    expect(sample.entries()[99]).toEqual({ atMillis: 1099, value: 990 })
  })

  it('keeps the latest values, oldest first, once more than its limit were added', () => {
    const sample = filled(50, 1234)
    expect(sample.added).toBe(1234)
    expect(sample.size).toBe(50)
    expect(sample.values()).toEqual(Array.from({ length: 50 }, (_, i) => (1184 + i) * 10))
    expect(sample.entries()[0]).toEqual({ atMillis: 1000 + 1184, value: 11840 })
  })

  it('works with a limit below its first allocation, and without times', () => {
    const sample = new RecentSample(3)
    for (const value of [1, 2, 3, 4, 5]) sample.add(value)
    expect(sample.values()).toEqual([3, 4, 5])
    expect(Number.isNaN(sample.entries()[0]!.atMillis)).toBe(true)
    expect(new RecentSample(3).values()).toEqual([])
  })
})
