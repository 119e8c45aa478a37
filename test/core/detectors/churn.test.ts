import { describe, expect, it } from 'vitest'
import { connectionPerRequest, simulate, steadyPool, burstyPool } from '../../support/simulation.js'

describe('churn', () => {
  it('names 70 connections a second within 10 s from the server\'s session counter, though polls catch one or two', () => {
    const result = simulate({ seconds: 30, sessions: connectionPerRequest('flask-per-request', 70, 0.02, 30), countsSessions: true })
    expect(result.firstReportedAt.churn).toBeLessThanOrEqual(10)
    const churn = result.tracker.all().find((f) => f.kind === 'churn')
    expect(churn).toMatchObject({ severity: 'error', subject: { application: 'flask-per-request' } })
    expect(churn?.kind === 'churn' && churn.evidence.isLowerBound).toBe(false)
    expect(churn?.kind === 'churn' && churn.evidence.openedPerMinute).toBeGreaterThan(3000)
    expect(churn?.advice).toContain('Keep connections in a pool')
  })

  it('needs a minute of evidence at one connection every three seconds', () => {
    const result = simulate({ seconds: 120, sessions: connectionPerRequest('cron', 1 / 3, 0.3, 120), countsSessions: true })
    expect(result.firstReportedAt.churn).toBeGreaterThanOrEqual(40)
  })

  it('points at an engine created per request when the group also keeps pooled connections', () => {
    const sessions = [...steadyPool('shop', 4, 90), ...connectionPerRequest('shop', 5, 0.5, 90)]
    const result = simulate({ seconds: 90, sessions, countsSessions: true })
    const churn = result.tracker.all().find((f) => f.kind === 'churn')
    expect(churn?.advice).toContain('already has a pool or engine')
  })

  it('stays quiet on a pool bursting from 5 to 15 and back, whose overflow connections live seconds', () => {
    expect(simulate({ seconds: 300, sessions: burstyPool('web', 5, 15, 8, 300), countsSessions: true }).tracker.all()).toEqual([])
  })

  it('stays quiet on overflow connections that live under the short-life line, closed together as each burst ends', () => {
    // Ten overflow connections every 3 s, each living 1.5 s: 200 a minute, all short, all from bursts.
    expect(simulate({ seconds: 120, sessions: burstyPool('web', 5, 15, 3, 120), countsSessions: true }).tracker.all()).toEqual([])
  })
})
