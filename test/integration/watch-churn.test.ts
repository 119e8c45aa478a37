// watch against a real server: a connection per request is churn, not growth.
import { describe, expect, it } from 'vitest'
import { watch } from '../../src/watch.js'
import { useTestDatabase } from '../support/test-database.js'
import { connectionPerRequest, steadyPool } from '../support/workloads.js'

describe('watch finds churn live', () => {
  const db = useTestDatabase()

  it('reports a connection per request as churn naming the application, and no connection-growth', { timeout: 90_000 }, async () => {
    const pool = steadyPool(db().url(), 'storefront', 3)
    const requests = connectionPerRequest(db().url(), 'flask-app')
    try {
      const result = await watch({ dsn: db().url(), intervalMillis: 1000, durationMillis: 45_000 })
      const kinds = result.findings.filter((f) => f.severity !== 'info').map((f) => [f.kind, f.subject.application])
      expect(kinds).toEqual([['churn', 'flask-app']])
      const churn = result.findings.find((f) => f.kind === 'churn')
      expect(churn?.kind === 'churn' && churn.evidence.medianLifeSeconds).toBeLessThan(2)
    } finally {
      await requests.stop()
      await pool.stop()
    }
  })
})
