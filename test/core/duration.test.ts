import { describe, expect, it } from 'vitest'
import { formatDuration, parseDurationSeconds } from '../../src/core/duration.js'

describe('parseDurationSeconds', () => {
  it.each([
    ['30s', 30],
    ['5m', 300],
    ['1h', 3600],
    ['1h30m', 5400],
    ['90', 90],
    ['1.5', 1.5],
    ['250ms', 0.25],
    ['2d', 172800],
  ])('reads %s as %d seconds', (text, seconds) => {
    expect(parseDurationSeconds(text)).toBe(seconds)
  })

  it.each(['', 'soon', '5 minutes', '-3s', '1x', 's'])('rejects %j', (text) => {
    expect(parseDurationSeconds(text)).toBeUndefined()
  })
})

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [0.25, '250ms'],
    [42, '42s'],
    [312, '5m12s'],
    [7380, '2h03m'],
    [90000, '1d1h'],
  ])('writes %d seconds as %s', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text)
  })
})
