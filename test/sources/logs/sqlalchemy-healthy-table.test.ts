// A false alarm costs as much as a miss. Healthy SQLAlchemy pools, written by
// the real library (one thread; 4 and 16 threads starting at once; bursts into
// overflow; four worker processes with a pool each logging to one file), each
// run twenty times with other timing and layouts (see the fixtures'
// generate.mjs): not one finding at warning or above, and every checkout and
// return read.
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { analyzePoolLogs } from '../../../src/analyze-logs.js'

const FOLDER = fileURLToPath(new URL('../../fixtures/pool-logs/sqlalchemy-table/', import.meta.url))
const SCENARIOS = ['1-thread', '4-threads', '16-threads', 'overflow-bursts', '4-workers'] as const

interface Truth {
  readonly checkouts: number
  readonly checkins: number
  readonly processes: number
  readonly poolSize: number
  readonly maxOverflow: number
  readonly maxConnections?: number
}

const runs = (await readdir(FOLDER)).filter((name) => name.endsWith('.log.gz')).sort()

describe('healthy SQLAlchemy pools, twenty runs each with other timing', () => {
  it.each(SCENARIOS)('has twenty runs of %s', (scenario) => {
    expect(runs.filter((name) => name.startsWith(`healthy-${scenario}-`))).toHaveLength(20)
  })

  it.each(runs)('%s: no finding at warning or above, every checkout read', async (name) => {
    const truth = JSON.parse(await readFile(join(FOLDER, name.replace(/\.log\.gz$/, '.truth.json')), 'utf8')) as Truth
    // Judged against a server with room for them all (the runs' own had max_connections 100), so sizing is judged too.
    const analysis = await analyzePoolLogs([join(FOLDER, name)], { maxConnections: truth.maxConnections ?? 100 })
    expect(analysis.findings.filter((f) => f.severity !== 'info').map((f) => `${f.kind}: ${f.title}`)).toEqual([])
    const file = analysis.files[0]!
    expect(file.checkouts).toBe(truth.checkouts)
    expect(file.unrecognisedPoolLines.count).toBe(0)
    expect(file.notes).toEqual([])
    const pools = [...analysis.ledger.pools.values()]
    expect(pools).toHaveLength(truth.processes)
    expect(pools.reduce((sum, p) => sum + p.checkins, 0)).toBe(truth.checkins)
  })
})
