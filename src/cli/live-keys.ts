// What a terminal sends for a key press, as the live view's keys. Arrows and
// page keys come as escape sequences (two spellings each, by cursor mode), and
// several presses can arrive in one read.
import type { LiveKey } from '../render/live/live-navigation.js'

const SEQUENCES: readonly (readonly [string, LiveKey])[] = [
  ['\x1b[A', 'up'],
  ['\x1bOA', 'up'],
  ['\x1b[B', 'down'],
  ['\x1bOB', 'down'],
  ['\x1b[C', 'enter'],
  ['\x1bOC', 'enter'],
  ['\x1b[D', 'back'],
  ['\x1bOD', 'back'],
  ['\x1b[5~', 'page-up'],
  ['\x1b[6~', 'page-down'],
]

const SINGLE: Readonly<Record<string, LiveKey>> = {
  k: 'up',
  j: 'down',
  '\r': 'enter',
  '\n': 'enter',
  '\x1b': 'back',
  '\x7f': 'back',
  '\b': 'back',
  '\t': 'tab',
  s: 'sort',
  S: 'sort',
  p: 'pause',
  P: 'pause',
  q: 'quit',
  Q: 'quit',
  '\x03': 'quit',
}

export function parseKeys(data: string): LiveKey[] {
  const keys: LiveKey[] = []
  let i = 0
  while (i < data.length) {
    const sequence = data.startsWith('\x1b', i) ? SEQUENCES.find(([bytes]) => data.startsWith(bytes, i)) : undefined
    if (sequence) {
      keys.push(sequence[1])
      i += sequence[0].length
      continue
    }
    // An escape sequence this view has no use for (Home, F1, ...) is skipped whole, not read as Esc and letters.
    const unknown = /^\x1b(?:\[[0-9;]*[~A-Za-z]|O[A-Za-z])/.exec(data.slice(i))
    if (unknown) {
      i += unknown[0].length
      continue
    }
    const key = SINGLE[data[i]!]
    if (key) keys.push(key)
    i++
  }
  return keys
}
