// watch against a real server: a group gaining one idle connection every 5 s
// is reported as connection-growth within 60 s at a 1 s interval, and the
// recording made on the way replays to the same findings.
import { mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { analyzeRecording } from '../../src/analyze-recording.js'
import { watch } from '../../src/watch.js'
import { useTestDatabase } from '../support/test-database.js'
import { leakConnections, steadyPool } from '../support/workloads.js'

describe('watch finds connection growth live', () => {
  const db = useTestDatabase()

  it('reports one new idle connection every 5 s within 60 s, holding one connection itself, and replays the same', { timeout: 120_000 }, async () => {
    const recordPath = join(await mkdtemp(join(tmpdir(), 'pgleak-watch-')), 'growth.ndjson')
    const pool = steadyPool(db().url(), 'storefront', 3)
    const leak = leakConnections(db().url(), 'report-worker', 5000)
    const controller = new AbortController()
    let startedAt = 0
    let growthAfterMillis: number | undefined
    const pgleakSessions: number[] = []
    try {
      const result = await watch({
        dsn: db().url(),
        intervalMillis: 1000,
        durationMillis: 75_000,
        recordPath,
        signal: controller.signal,
        onEvent: (event) => {
          if (event.type === 'connected') startedAt = Date.now()
          if (event.type !== 'sample') return
          if (event.monitor.timeline.samples === 10) {
            void db()
              .admin<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'pgleak'`)
              .then((rows) => pgleakSessions.push(rows[0]!.n))
          }
          if (growthAfterMillis === undefined && event.update.opened.some((f) => f.kind === 'connection-growth')) {
            growthAfterMillis = Date.now() - startedAt
            // Let it run a few more polls so the replay has something after the finding too.
            setTimeout(() => controller.abort(), 3000)
          }
        },
      })
      expect(growthAfterMillis).toBeDefined()
      expect(growthAfterMillis!).toBeLessThanOrEqual(60_000)
      expect(pgleakSessions).toEqual([1])
      const growth = result.findings.filter((f) => f.kind === 'connection-growth')
      expect(growth.map((f) => f.subject.application)).toEqual(['report-worker'])
      expect(result.findings.filter((f) => f.subject.application === 'storefront')).toEqual([])

      const replayed = await analyzeRecording(recordPath)
      expect(replayed.findings).toEqual(result.findings)
      expect(replayed.window).toEqual(result.window)
      const lines = (await readFile(recordPath, 'utf8')).trimEnd().split('\n')
      expect(lines.every((line) => JSON.parse(line) !== null)).toBe(true)
    } finally {
      await leak.stop()
      await pool.stop()
    }
  })
})
