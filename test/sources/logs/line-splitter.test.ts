import { describe, expect, it } from 'vitest'
import { noSkippedLines } from '../../../src/core/pool-event.js'
import { LineSplitter, MAX_LINE_BYTES } from '../../../src/sources/logs/line-splitter.js'

function split(chunks: readonly Buffer[]): { lines: [number, string][]; skipped: ReturnType<typeof noSkippedLines> } {
  const skipped = noSkippedLines()
  const splitter = new LineSplitter(skipped)
  const lines: [number, string][] = []
  for (const chunk of chunks) splitter.push(chunk, (line, n) => lines.push([n, line]))
  splitter.end((line, n) => lines.push([n, line]))
  return { lines, skipped }
}

function cut(data: Buffer, sizes: readonly number[]): Buffer[] {
  const chunks: Buffer[] = []
  let at = 0
  for (let i = 0; at < data.length; i++) {
    const size = sizes[i % sizes.length]!
    chunks.push(data.subarray(at, at + size))
    at += size
  }
  return chunks
}

const text = Buffer.from('first line\r\nsecond — with UTF-8 ✓\n\nfourth\nlast without newline', 'utf8')

describe('LineSplitter', () => {
  it('gives the same lines whole, byte by byte, and at arbitrary chunk sizes', () => {
    const whole = split([text])
    expect(whole.lines).toEqual([
      [1, 'first line'],
      [2, 'second — with UTF-8 ✓'],
      [3, ''],
      [4, 'fourth'],
      [5, 'last without newline'],
    ])
    for (const sizes of [[1], [2, 3], [7], [13, 1, 5], [1000]]) expect(split(cut(text, sizes)).lines).toEqual(whole.lines)
  })

  it('counts and skips lines with NUL bytes and lines over the limit, keeping the numbering', () => {
    const long = 'x'.repeat(MAX_LINE_BYTES + 10)
    const data = Buffer.from(`ok 1\nbin\u0000ary\n${long}\nok 4\n`, 'utf8')
    for (const sizes of [[data.length], [4096], [1, 7, 65536]]) {
      const { lines, skipped } = split(cut(data, sizes))
      expect(lines).toEqual([
        [1, 'ok 1'],
        [4, 'ok 4'],
      ])
      expect(skipped).toMatchObject({ count: 2, binary: 1, overLong: 1, firstLineNumbers: [2, 3] })
    }
  })
})
