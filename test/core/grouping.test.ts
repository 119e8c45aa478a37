// Groups and findings are told apart by string keys built on every poll:
// names that look alike once joined must stay apart.
import { describe, expect, it } from 'vitest'
import { groupMembers } from '../../src/core/connection-summary.js'
import { FindingTracker, findingKey } from '../../src/core/finding-tracker.js'
import type { Finding } from '../../src/core/finding.js'
import { backend } from '../support/builders.js'

describe('group keys', () => {
  it('keep apart names that only look alike once joined, and an unknown name from the word null', () => {
    const backends = [
      backend({ application: 'a', user: 'b,c' }),
      backend({ application: 'a,b', user: 'c' }),
      backend({ application: 'a', user: 'b,c' }),
    ]
    const groups = [...groupMembers(backends, ['app', 'user']).values()]
    expect(groups.map((g) => [g.key, g.backends.length])).toEqual([
      [{ app: 'a', user: 'b,c' }, 2],
      [{ app: 'a,b', user: 'c' }, 1],
    ])
    // A row pgleak may not see has no client address to group by: not the same as one called "null", or "".
    const clients = [backend({ clientAddr: 'null' }), backend({ clientAddr: null, isVisible: false }), backend({ clientAddr: '' })]
    expect([...groupMembers(clients, ['client']).values()].map((g) => g.key)).toEqual([{ client: 'null' }, { client: null }, { client: '' }])
  })
})

function config(application: string | null, value: string): Finding {
  return {
    kind: 'config',
    severity: 'warning',
    title: `idle_in_transaction_session_timeout is ${value}`,
    subject: { application, user: null, database: null, client: null, pool: null },
    pids: [],
    evidence: { setting: 'idle_in_transaction_session_timeout', value, suggested: '60s' },
    advice: 'Set it.',
  }
}

describe('findings over time', () => {
  it('are one finding per kind and subject, whatever their figures, with an unknown name apart from an empty one', () => {
    expect(findingKey(config('api', '0'))).toBe(findingKey(config('api', '1h')))
    expect(new Set([findingKey(config(null, '0')), findingKey(config('', '0')), findingKey(config('null', '0'))]).size).toBe(3)
  })

  it('keep every field of the latest evaluation, the worst severity and when they were first and last seen', () => {
    const tracker = new FindingTracker()
    tracker.update([{ ...config('api', '0'), severity: 'error' }], Date.UTC(2026, 10, 21, 10))
    const update = tracker.update([config('api', '1h')], Date.UTC(2026, 10, 21, 10, 0, 5))
    expect(update.opened).toEqual([])
    expect(tracker.active()).toEqual([
      { ...config('api', '1h'), severity: 'error', firstSeenAt: '2026-11-21T10:00:00.000Z', lastSeenAt: '2026-11-21T10:00:05.000Z', isActive: true },
    ])
    expect(tracker.update([], Date.UTC(2026, 10, 21, 10, 0, 10)).resolved).toMatchObject([{ title: 'idle_in_transaction_session_timeout is 1h', isActive: false }])
  })

  it('move only their last-seen time when the same findings come again, and a resolved one keeps the last time it was seen', () => {
    const tracker = new FindingTracker()
    const findings = [config('api', '0'), config('worker', '0')]
    const at = (second: number) => Date.UTC(2026, 10, 21, 10, 0, second)
    expect(tracker.update(findings, at(0)).opened).toHaveLength(2)
    // Nothing judged anew (serve's quiet polls): the very same findings, a new array.
    const quiet = tracker.update([...findings], at(3))
    expect(quiet).toEqual({ opened: [], resolved: [] })
    expect(tracker.active().map((f) => [f.subject.application, f.firstSeenAt, f.lastSeenAt])).toEqual([
      ['api', '2026-11-21T10:00:00.000Z', '2026-11-21T10:00:03.000Z'],
      ['worker', '2026-11-21T10:00:00.000Z', '2026-11-21T10:00:03.000Z'],
    ])
    const { resolved } = tracker.update([config('api', '0')], at(5))
    expect(resolved.map((f) => [f.subject.application, f.lastSeenAt, f.isActive])).toEqual([['worker', '2026-11-21T10:00:03.000Z', false]])
    tracker.update([config('api', '0')], at(8))
    expect(tracker.all().map((f) => [f.subject.application, f.lastSeenAt, f.isActive])).toEqual([
      ['api', '2026-11-21T10:00:08.000Z', true],
      ['worker', '2026-11-21T10:00:03.000Z', false],
    ])
    // Back again: opened anew, first seen when it first was, and forgotten only once resolved.
    const back = tracker.update([config('api', '0'), { ...config('worker', '0'), severity: 'error' }], at(9))
    expect(back.opened.map((f) => f.subject.application)).toEqual(['worker'])
    expect(tracker.active().find((f) => f.subject.application === 'worker')).toMatchObject({ firstSeenAt: '2026-11-21T10:00:00.000Z', severity: 'error' })
    tracker.update([config('api', '0')], at(10))
    tracker.forgetResolvedBefore(at(9))
    expect(tracker.all()).toHaveLength(2)
    tracker.forgetResolvedBefore(at(10))
    expect(tracker.all().map((f) => f.subject.application)).toEqual(['api'])
  })
})
