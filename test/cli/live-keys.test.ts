// Key presses as terminals send them, read as the live view's keys.
import { describe, expect, it } from 'vitest'
import { parseKeys } from '../../src/cli/live-keys.js'

describe('parseKeys', () => {
  it('reads arrows in both cursor modes, page keys, Enter, Esc, Tab and letters', () => {
    expect(parseKeys('\x1b[A\x1bOB\x1b[C\x1b[D\x1b[5~\x1b[6~')).toEqual(['up', 'down', 'enter', 'back', 'page-up', 'page-down'])
    expect(parseKeys('\r\t\x1bjksqp\x7f')).toEqual(['enter', 'tab', 'back', 'down', 'up', 'sort', 'quit', 'pause', 'back'])
    expect(parseKeys('\x03')).toEqual(['quit'])
  })

  it('skips an escape sequence it has no use for whole, and unknown letters', () => {
    // Home and F5: not Esc followed by "[H" or "[15~".
    expect(parseKeys('\x1b[H\x1b[15~x\x1b[B')).toEqual(['down'])
  })
})
