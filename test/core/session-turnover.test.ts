import { describe, expect, it } from 'vitest'
import { MAX_COUNTED_APPLICATIONS, OTHER_APPLICATIONS, SessionTurnover } from '../../src/core/session-turnover.js'
import { backend, backgroundProcess, snapshot } from '../support/builders.js'

describe('sessions opened and closed per application, from poll to poll', () => {
  it('counts what appeared and what went, per application; the first poll is only the baseline', () => {
    const turnover = new SessionTurnover()
    const kept = backend({ application: 'api' })
    const goes = backend({ application: 'api' })
    turnover.ingest(snapshot([kept, goes, backgroundProcess('checkpointer')]))
    expect(turnover.counts().size).toBe(0)
    turnover.ingest(snapshot([kept, backend({ application: 'worker' }), backend({ application: 'worker' })]))
    expect(turnover.counts().get('api')).toEqual({ opened: 0, closed: 1 })
    expect(turnover.counts().get('worker')).toEqual({ opened: 2, closed: 0 })
  })

  it('a pid reused by a new session is a close and an open, not the same session', () => {
    const turnover = new SessionTurnover()
    const first = backend({ pid: 77, ageSeconds: 600 })
    turnover.ingest(snapshot([first]))
    turnover.ingest(snapshot([{ ...first, backendStartMillis: first.backendStartMillis! + 500_000 }]))
    expect(turnover.counts().get('api')).toEqual({ opened: 1, closed: 1 })
  })

  it('after a gap, what happened in it is not guessed: counting starts again at the next poll', () => {
    const turnover = new SessionTurnover()
    turnover.ingest(snapshot([backend(), backend()]))
    turnover.forgetOpenSessions()
    turnover.ingest(snapshot([backend()]))
    expect(turnover.counts().size).toBe(0)
  })

  it('keeps its series bounded: applications past the limit count together', () => {
    const turnover = new SessionTurnover()
    turnover.ingest(snapshot([]))
    turnover.ingest(snapshot(Array.from({ length: MAX_COUNTED_APPLICATIONS + 50 }, (_, i) => backend({ application: `app-${i}` }))))
    expect(turnover.counts().size).toBe(MAX_COUNTED_APPLICATIONS + 1)
    expect(turnover.counts().get(OTHER_APPLICATIONS)).toEqual({ opened: 50, closed: 0 })
  })
})
