import { describe, expect, it } from 'vitest'
import { LOG_FORMAT_NAMES } from '../../../src/sources/logs/log-format-names.js'
import { LOG_FORMATS, logFormatNamed } from '../../../src/sources/logs/log-formats.js'

describe('the format names the help lists', () => {
  it('are exactly the formats analyze reads, in the same order', () => {
    expect([...LOG_FORMAT_NAMES]).toEqual(LOG_FORMATS.map((format) => format.name))
  })

  it('each name given to --format finds its parser', () => {
    for (const name of LOG_FORMAT_NAMES) expect(logFormatNamed(name).name).toBe(name)
  })
})
