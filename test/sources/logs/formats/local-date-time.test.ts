// The date-time reader every timestamped log goes through. The byte reader
// keeps the last minute it read, so these run it over sequences of times:
// what a line gives must not depend on the line before.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { LocalDateTimeReader } from '../../../../src/sources/logs/formats/local-date-time.js'
import { ServerTimeReader } from '../../../../src/sources/logs/formats/postgres-timestamp.js'

const pad = (value: number, width: number): string => String(value).padStart(width, '0')

/** A time written as logs write it, with what it means, near others so minutes and days are shared or just crossed. */
const writtenTime = fc
  .record({
    millis: fc.integer({ min: Date.UTC(2026, 11, 31, 23, 58), max: Date.UTC(2027, 0, 1, 0, 2) }),
    fractionDigits: fc.integer({ min: 0, max: 6 }),
  })
  .map(({ millis, fractionDigits }) => {
    const date = new Date(millis)
    const wholeSecond = `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1, 2)}-${pad(date.getUTCDate(), 2)} ${pad(date.getUTCHours(), 2)}:${pad(date.getUTCMinutes(), 2)}:${pad(date.getUTCSeconds(), 2)}`
    const fraction = `${pad(date.getUTCMilliseconds(), 3)}999`.slice(0, fractionDigits)
    const keptMillis = fractionDigits === 0 ? 0 : Number(fraction.slice(0, 3).padEnd(3, '0'))
    return { text: fractionDigits === 0 ? wholeSecond : `${wholeSecond}.${fraction}`, millis: millis - date.getUTCMilliseconds() + keptMillis }
  })

describe('LocalDateTimeReader', () => {
  it('reads each time in a sequence of lines as its own, from bytes as from text', () => {
    fc.assert(
      fc.property(fc.array(writtenTime, { minLength: 1, maxLength: 40 }), (times) => {
        const fromBytes = new LocalDateTimeReader()
        const fromText = new LocalDateTimeReader()
        for (const { text, millis } of times) {
          const line = Buffer.from(`  ${text} UTC [42] LOG:  x`)
          expect(fromBytes.readBytes(line, 2, line.length, false)).toBe(true)
          expect(fromBytes.localMillis).toBe(millis)
          expect(fromBytes.end).toBe(2 + text.length)
          expect(fromText.read(`  ${text} UTC`, 2, false)).toBe(true)
          expect(fromText.localMillis).toBe(millis)
        }
      }),
    )
  })

  it('turns away a time with a letter in it, and is not thrown off by it for the next line', () => {
    const reader = new LocalDateTimeReader()
    const read = (text: string): number | false => {
      const bytes = Buffer.from(text)
      return reader.readBytes(bytes, 0, bytes.length, true) && reader.localMillis
    }
    expect(read('2026-11-21 06:00:05,250')).toBe(Date.UTC(2026, 10, 21, 6, 0, 5, 250))
    expect(read('2026-11-21 06:00:x5,250')).toBe(false)
    expect(read('2026-11-21 06:0x:05,250')).toBe(false)
    expect(read('2026-11-21 06:00:07')).toBe(Date.UTC(2026, 10, 21, 6, 0, 7))
    expect(read('2026-11-21 06:01')).toBe(false)
  })
})

describe('ServerTimeReader', () => {
  it('applies each line its own zone, when zones change from line to line', () => {
    const reader = new ServerTimeReader()
    const read = (prefix: string): number | null => {
      const bytes = Buffer.from(prefix)
      return reader.readBytes(bytes, 0, bytes.length)
    }
    const local = Date.UTC(2026, 10, 21, 6, 0, 0, 500)
    expect(read('2026-11-21 06:00:00.500 UTC [7] ')).toBe(local)
    expect(read('2026-11-21 06:00:00.500 CET [7] ')).toBe(local - 60 * 60_000)
    expect(read('2026-11-21 06:00:00.500 CEST [7] ')).toBe(local - 120 * 60_000)
    expect(read('2026-11-21 06:00:00.500 CET [7] ')).toBe(local - 60 * 60_000)
    expect(read('2026-11-21 06:00:00.500 +05 [7] ')).toBe(local - 300 * 60_000)
    expect(read('2026-11-21 06:00:00.500 +0530 [7] ')).toBe(local - 330 * 60_000)
    expect(read('2026-11-21 06:00:00.500 [7] ')).toBe(local)
    expect(read('2026-11-21 06:00:00.500 UTC')).toBe(local)
  })
})
