// Pool and server logs over time, against the truth the real libraries' runs recorded.
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { analyzePoolLogs } from '../../src/analyze-logs.js'
import { PoolActivity } from '../../src/core/pool-activity.js'

const fixture = (path: string): string => fileURLToPath(new URL(`../fixtures/pool-logs/${path}`, import.meta.url))

describe('pool activity over time', () => {
  it("follows a pool's checked-out connections to the peak and the end its truth file gives", async () => {
    const log = fixture('sqlalchemy-leaks/checkout-leaked-on-error.log')
    const truth = JSON.parse(await readFile(log.replace(/\.log$/, '.truth.json'), 'utf8')) as { maxCheckedOut: number; checkedOutAtEnd: number }
    const [pool, ...others] = (await analyzePoolLogs([log])).activity.checkedOut()
    expect(others).toEqual([])
    const counts = pool!.points.map((p) => p.count)
    expect(Math.max(...counts)).toBe(truth.maxCheckedOut)
    expect(counts.at(-1)).toBe(truth.checkedOutAtEnd)
  })

  it("counts a server log's sessions per minute per application, every one of them", async () => {
    const analysis = await analyzePoolLogs([fixture('postgres/default-prefix.log')])
    const opened = analysis.activity.sessionsPerMinute('opened')
    const total = opened.reduce((sum, series) => sum + series.points.reduce((s, p) => s + p.count, 0), 0)
    const sessions = [...analysis.ledger.serverSessions.values()].reduce((sum, stats) => sum + stats.started, 0)
    expect(total).toBe(sessions)
    expect(opened.map((s) => s.name)).toContain('leaky-api')
  })

  it('charts a log of many minutes without overflowing: 200,000 minutes of sessions', () => {
    const activity = new PoolActivity()
    for (let minute = 0; minute < 200_000; minute++) activity.ingest({ type: 'session-start', source: 'postgres', atMillis: minute * 60_000, line: minute + 1, pool: 'server', application: 'api' })
    const [api] = activity.sessionsPerMinute('opened')
    expect(api!.points).toHaveLength(200_001)
    expect(api!.points.reduce((sum, p) => sum + p.count, 0)).toBe(200_000)
  })
})
