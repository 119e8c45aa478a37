import { describe, expect, it } from 'vitest'
import { detectLogChurn } from '../../../src/core/detectors/pool/pool-churn.js'
import { PoolLedger } from '../../../src/core/pool-ledger.js'
import { DEFAULT_THRESHOLDS } from '../../../src/core/thresholds.js'
import { NOW } from '../../support/builders.js'

function serverLog(sessions: { application: string; everyMillis: number; lastsSeconds: number; count: number }[]): PoolLedger {
  const ledger = new PoolLedger()
  let line = 0
  for (const { application, everyMillis, lastsSeconds, count } of sessions) {
    for (let i = 0; i < count; i++) {
      const start = NOW + i * everyMillis
      ledger.ingest({ type: 'session-start', source: 'postgres', atMillis: start, line: ++line, pool: 'server', application })
      ledger.ingest({ type: 'session-end', source: 'postgres', atMillis: start + lastsSeconds * 1000, line: ++line, pool: 'server', application, sessionSeconds: lastsSeconds })
    }
  }
  return ledger
}

describe('churn from server logs', () => {
  it('reports an application whose sessions come and go in under two seconds, at its rate', () => {
    const ledger = serverLog([
      { application: 'flask-app', everyMillis: 500, lastsSeconds: 0.08, count: 240 },
      { application: 'celery', everyMillis: 60_000, lastsSeconds: 3600, count: 3 },
    ])
    const findings = detectLogChurn({ ledger, thresholds: DEFAULT_THRESHOLDS, nowMillis: ledger.nowMillis })
    expect(findings).toHaveLength(1)
    expect(findings[0]).toMatchObject({ subject: { application: 'flask-app' }, evidence: { openedPerMinute: 120, medianLifeSeconds: 0.08 } })
  })

  it('does not make a rate out of a handful of sessions', () => {
    const ledger = serverLog([{ application: 'admin', everyMillis: 1, lastsSeconds: 0.3, count: 5 }])
    expect(detectLogChurn({ ledger, thresholds: DEFAULT_THRESHOLDS, nowMillis: ledger.nowMillis })).toEqual([])
  })
})
