// The byte helpers the big-log parsers stand on, against the obvious
// string operations: four-bytes-at-a-time reads must find exactly what a
// byte-by-byte search finds, wherever a line sits in its buffer.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { hasByte, Needle, repeated, viewOf } from '../../../src/sources/logs/line-bytes.js'

/** `text` inside a bigger buffer (at an odd offset of a shared ArrayBuffer, as lines of a chunk are), with where it starts and ends. */
function inBuffer(text: string, before: number): { bytes: Buffer; start: number; end: number } {
  const pool = Buffer.alloc(before + Buffer.byteLength(text) + 11, 'x')
  const bytes = pool.subarray(3)
  const start = before
  const end = start + bytes.write(text, start)
  return { bytes, start, end }
}

const alphabet = fc.constantFrom(' ', 'd', 'a', 't', 'b', 'e', '=', 's', ':', 'u', 'r')
const text = fc.string({ unit: alphabet, maxLength: 60 })
const needleText = fc.string({ unit: alphabet, minLength: 1, maxLength: 13 })

describe('Needle', () => {
  it('is found where indexOf finds it, within the line and nowhere past its end', () => {
    fc.assert(
      fc.property(text, needleText, fc.nat(9), (line, looked, before) => {
        const { bytes, start, end } = inBuffer(line, before)
        const needle = new Needle(looked)
        const found = needle.indexIn(bytes, start, end)
        expect(found === -1 ? -1 : found - start).toBe(line.indexOf(looked))
        for (let at = 0; at <= line.length; at++) expect(needle.isAt(bytes, start + at, end)).toBe(line.startsWith(looked, at))
      }),
      { numRuns: 1000 },
    )
  })

  it('is not found when it runs past the end of the line, though the buffer goes on', () => {
    const { bytes, start, end } = inBuffer('user=app database', 4)
    bytes.write('=shop', end)
    expect(new Needle(' database=').indexIn(bytes, start, end)).toBe(-1)
    expect(new Needle(' database=').isAt(bytes, start + 8, end)).toBe(false)
    expect(new Needle(' database=').isAt(bytes, start + 8, end + 1)).toBe(true)
  })
})

describe('hasByte', () => {
  it('tells whether any of four bytes is the one looked for', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.integer({ min: 0, max: 255 }), (four, byte) => {
        const word = viewOf(Buffer.from(four)).getUint32(0, true)
        expect(hasByte(word, repeated(byte))).toBe(four.includes(byte))
      }),
    )
  })
})
