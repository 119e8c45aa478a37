import { describe, expect, it } from 'vitest'
import { CHECK_THRESHOLDS, DEFAULT_THRESHOLDS, thresholdsFor } from '../../src/core/thresholds.js'

describe('thresholdsFor: one place decides every command\'s thresholds', () => {
  it('gives each command its defaults', () => {
    expect(thresholdsFor('watch')).toEqual(DEFAULT_THRESHOLDS)
    expect(thresholdsFor('audit')).toEqual(DEFAULT_THRESHOLDS)
    // A gate warns on usage only where it fails, and a short run calls a connection unused for 10 s abandoned.
    expect(thresholdsFor('check')).toEqual({ ...CHECK_THRESHOLDS, headroomWarningPercent: 90 })
    expect(thresholdsFor('check').abandonedAfterSeconds).toBe(10)
  })

  it('lays what the user gave over the command\'s defaults, and a gate\'s warning follows its error unless given', () => {
    expect(thresholdsFor('check', { headroomErrorPercent: 80 })).toMatchObject({ headroomErrorPercent: 80, headroomWarningPercent: 80 })
    expect(thresholdsFor('check', { headroomErrorPercent: 80, headroomWarningPercent: 60 })).toMatchObject({ headroomErrorPercent: 80, headroomWarningPercent: 60 })
    expect(thresholdsFor('watch', { headroomErrorPercent: 70 })).toMatchObject({ headroomErrorPercent: 70, headroomWarningPercent: 70 })
  })

  it('takes a recording\'s thresholds over the defaults and the user\'s over both', () => {
    const recorded = { ...DEFAULT_THRESHOLDS, abandonedAfterSeconds: 300, churnPerMinute: 5 }
    expect(thresholdsFor('analyze', { churnPerMinute: 50 }, recorded)).toMatchObject({ abandonedAfterSeconds: 300, churnPerMinute: 50 })
  })
})
