// Every SQLAlchemy logging layout people configure is read: the same real
// program (SQLAlchemy 2.0, see the fixtures' generate.mjs) logged through a
// dozen formats, each read with every checkout and return counted against
// what SQLAlchemy's own pool events counted, nothing left "not understood",
// and the healthy pool judged healthy.
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { analyzePoolLogs } from '../../../src/analyze-logs.js'
import type { PoolEvent } from '../../../src/core/pool-event.js'
import { readPoolLog } from '../../../src/sources/logs/read-pool-log.js'

const FOLDER = fileURLToPath(new URL('../../fixtures/pool-logs/sqlalchemy-layouts/', import.meta.url))

interface Truth {
  readonly checkouts: number
  readonly checkins: number
  readonly connects: number
  readonly closes: number
  readonly disposes: number
  readonly format: string
  readonly processes: number
}

const logs = (await readdir(FOLDER)).filter((name) => name.endsWith('.log')).sort()

describe('SQLAlchemy pool logs in every layout', () => {
  it('has at least eight layouts written by the real library', () => {
    expect(logs.length).toBeGreaterThanOrEqual(8)
  })

  it.each(logs)('%s: every checkout, return, connect and close is counted', async (name) => {
    const truth = JSON.parse(await readFile(join(FOLDER, name.replace(/\.log$/, '.truth.json')), 'utf8')) as Truth
    const events: PoolEvent[] = []
    const summary = await readPoolLog(join(FOLDER, name), { onEvent: (event) => events.push(event) })
    const count = (type: PoolEvent['type']): number => events.filter((e) => e.type === type).length
    expect(summary.format).toBe('sqlalchemy')
    expect({ checkouts: count('checkout'), checkins: count('checkin'), connects: count('connect'), closes: count('close'), disposes: count('dispose') }).toEqual({
      checkouts: truth.checkouts,
      checkins: truth.checkins,
      connects: truth.connects,
      closes: truth.closes,
      disposes: truth.disposes,
    })
    expect(summary.unrecognisedPoolLines.count).toBe(0)
    expect(summary.skipped.count).toBe(0)
    // One pool per process, whatever else the layout puts around the logger name.
    expect(new Set(events.map((e) => e.pool)).size).toBe(truth.processes)
    if (truth.format.includes('%(process)d')) expect(events.every((e) => e.process !== undefined)).toBe(true)
    else expect(events.every((e) => e.process === undefined)).toBe(true)
    if (truth.format.includes('%(threadName)s')) expect(events.filter((e) => e.type === 'checkout').every((e) => e.thread !== undefined && /Thread|worker/.test(e.thread))).toBe(true)
    if (truth.format.includes('%(asctime)s')) expect(events.every((e) => e.atMillis !== null)).toBe(true)
  })

  it.each(logs)('%s: a correctly used pool gives no finding at warning or above', async (name) => {
    const analysis = await analyzePoolLogs([join(FOLDER, name)])
    expect(analysis.findings.filter((f) => f.severity !== 'info').map((f) => f.title)).toEqual([])
    expect(analysis.files[0]!.notes).toEqual([])
  })
})
