// What a monitor judges on a poll where nothing but the clock moved (serve's
// unchanged-sessions cadence), and that watch's default judges every poll.
import { describe, expect, it } from 'vitest'
import { TIMELINE_DETECTORS, type TimelineDetector } from '../../src/core/detectors/index.js'
import { LeakMonitor } from '../../src/core/leak-monitor.js'
import { DEFAULT_THRESHOLDS } from '../../src/core/thresholds.js'
import { backend, backgroundProcess, idleInTransaction, NOW, settings, snapshot } from '../support/builders.js'

const threshold = DEFAULT_THRESHOLDS.idleInTransactionSeconds

function idleInTransactionPids(monitor: LeakMonitor): number[] {
  return monitor
    .active()
    .filter((f) => f.kind === 'idle-in-transaction')
    .flatMap((f) => f.pids)
}

describe('a monitor polled on unchanged sessions', () => {
  // One session 2 s short of the idle-in-transaction threshold; the same backend objects at every
  // poll, as the snapshot reader hands them back for sessions that did not change.
  const stuck = idleInTransaction({ pid: 4242, application: 'billing', idleSeconds: threshold - 2 })
  const others = [backend({ application: 'api', state: 'idle' }), backend({ application: 'api', state: 'idle' })]
  const at = (seconds: number, extra: ReturnType<typeof backend>[] = []) =>
    // Background processes come whole at every poll: new objects that must not count as a change.
    snapshot([backgroundProcess('checkpointer'), stuck, ...others, ...extra], NOW + seconds * 1000)

  it('judges every poll by default: the threshold crossed is seen at the first poll past it', () => {
    const monitor = new LeakMonitor(settings(), { groupBy: ['app'], ignore: [], thresholds: DEFAULT_THRESHOLDS })
    for (let s = 0; s <= 3; s++) monitor.ingest(at(s))
    expect(idleInTransactionPids(monitor)).toEqual([4242])
  })

  it('judges again after the cadence, so a threshold crossed in between is seen within it', () => {
    const monitor = new LeakMonitor(settings(), { groupBy: ['app'], ignore: [], thresholds: DEFAULT_THRESHOLDS, unchangedSessionsEvaluationMillis: 5000 })
    monitor.ingest(at(0))
    for (let s = 1; s <= 4; s++) {
      monitor.ingest(at(s))
      expect(idleInTransactionPids(monitor), `poll ${s}: not judged again yet`).toEqual([])
    }
    monitor.ingest(at(5))
    expect(idleInTransactionPids(monitor)).toEqual([4242])
  })

  it('judges at once when a session opens, closes or changes', () => {
    const monitor = new LeakMonitor(settings(), { groupBy: ['app'], ignore: [], thresholds: DEFAULT_THRESHOLDS, unchangedSessionsEvaluationMillis: 5000 })
    monitor.ingest(at(0))
    monitor.ingest(at(2))
    expect(idleInTransactionPids(monitor)).toEqual([])
    // A session opened: everything is judged again, the stuck one included.
    monitor.ingest(at(3, [backend({ application: 'api', state: 'active' })]))
    expect(idleInTransactionPids(monitor)).toEqual([4242])

    const closing = new LeakMonitor(settings(), { groupBy: ['app'], ignore: [], thresholds: DEFAULT_THRESHOLDS, unchangedSessionsEvaluationMillis: 5000 })
    closing.ingest(at(0))
    closing.ingest(snapshot([stuck, others[0]!], NOW + 3000))
    expect(idleInTransactionPids(closing)).toEqual([4242])

    const changed = new LeakMonitor(settings(), { groupBy: ['app'], ignore: [], thresholds: DEFAULT_THRESHOLDS, unchangedSessionsEvaluationMillis: 5000 })
    changed.ingest(at(0))
    // The same session, read again with a new state: a new object.
    changed.ingest(snapshot([stuck, { ...others[0]!, state: 'active' }, others[1]!], NOW + 3000))
    expect(idleInTransactionPids(changed)).toEqual([4242])
  })

  it('runs the detectors over time on the same cadence when nothing moved, and within 2 s of a change', () => {
    const detectors = TIMELINE_DETECTORS as TimelineDetector[]
    const original = detectors[0]!
    const judgedAt: number[] = []
    detectors[0] = (input) => {
      judgedAt.push((input.timeline.latest!.sampledAtMillis - NOW) / 1000)
      return original(input)
    }
    try {
      const quiet = new LeakMonitor(settings(), { groupBy: ['app'], ignore: [], thresholds: DEFAULT_THRESHOLDS, unchangedSessionsEvaluationMillis: 5000 })
      for (let s = 0; s <= 12; s++) quiet.ingest(s === 6 ? at(6, [backend({ application: 'api', state: 'active' })]) : at(s))
      // 6 opened a session, too soon after 5 to judge again; 7, where it is gone again (the same
      // sessions as 5, but the timeline moved), is judged; then nothing moves until 12.
      expect(judgedAt).toEqual([0, 5, 7, 12])
      judgedAt.length = 0
      const everyPoll = new LeakMonitor(settings(), { groupBy: ['app'], ignore: [], thresholds: DEFAULT_THRESHOLDS })
      for (let s = 0; s <= 6; s++) everyPoll.ingest(at(s))
      expect(judgedAt).toEqual([0, 2, 4, 6])
    } finally {
      detectors[0] = original
    }
  })

  it('judges a poll put off by the cadence when its findings are read, as fresh as judged at every poll', () => {
    const monitor = new LeakMonitor(settings(), { groupBy: ['app'], ignore: [], thresholds: DEFAULT_THRESHOLDS, unchangedSessionsEvaluationMillis: 60_000, judgePutOffPollsWhenRead: true })
    for (let s = 0; s <= 3; s++) monitor.ingest(at(s))
    // Past the threshold at 2 s; no poll judged it, the read does, at the latest poll's time.
    const [finding] = monitor.active().filter((f) => f.kind === 'idle-in-transaction')
    expect(finding).toMatchObject({ pids: [4242], firstSeenAt: new Date(NOW + 3000).toISOString(), lastSeenAt: new Date(NOW + 3000).toISOString() })
    expect(finding!.title).toContain(`for ${threshold + 1}s`)
    monitor.ingest(at(4))
    expect(monitor.findings().find((f) => f.kind === 'idle-in-transaction')).toMatchObject({ isActive: true, lastSeenAt: new Date(NOW + 4000).toISOString() })
    expect(monitor.active().find((f) => f.kind === 'idle-in-transaction')!.title).toContain(`for ${threshold + 2}s`)
  })

  it('judges at once after the server settings change (a reconnect)', () => {
    const monitor = new LeakMonitor(settings(), { groupBy: ['app'], ignore: [], thresholds: DEFAULT_THRESHOLDS, unchangedSessionsEvaluationMillis: 5000 })
    monitor.ingest(at(0))
    monitor.updateSettings(settings({ maxConnections: 4 }))
    monitor.ingest(at(1))
    expect(monitor.active().some((f) => f.kind === 'headroom')).toBe(true)
  })
})
