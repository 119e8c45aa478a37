// Healthy programs must give no finding at warning or above: a steady
// QueuePool, a QueuePool bursting from 5 to 15 and back, LISTEN connections,
// a node-postgres Pool, and pg_dump's snapshot transaction, all at once on a
// PostgreSQL 14 server, for minutes, and again with other timing.
import { spawn, spawnSync } from 'node:child_process'
import { describe, expect, inject, it } from 'vitest'
import { isAtLeast } from '../../src/core/finding.js'
import { useTestDatabase } from '../support/test-database.js'
import { findingLabel, recordDiagnosis, useAppRole, watchPrograms } from './diagnose.js'

const pythonEnv = inject('pythonEnv')
const python = 'python' in pythonEnv ? pythonEnv.python : undefined
const hasPgDump = spawnSync('pg_dump', ['--version']).status === 0

/** A nightly-backup pattern: a dump, a pause of 10 s, another dump; each holds one snapshot transaction for seconds. */
function dumpRepeatedly(url: string): { stop(): Promise<number> } {
  let isStopped = false
  let dumps = 0
  const loop = (async () => {
    while (!isStopped) {
      await new Promise<void>((resolve) => {
        const child = spawn('pg_dump', ['--dbname', url, '--file', '/dev/null'], { stdio: 'ignore' })
        child.on('exit', () => resolve())
        child.on('error', () => resolve())
      })
      dumps++
      for (let waited = 0; waited < 10_000 && !isStopped; waited += 250) await new Promise((resolve) => setTimeout(resolve, 250))
    }
  })()
  return {
    async stop() {
      isStopped = true
      await loop
      return dumps
    },
  }
}

describe('healthy programs stay quiet', () => {
  const db = useTestDatabase({ major: 14, settings: { max_connections: 60 } })
  const appUrl = useAppRole(db)

  const RUNS = [
    { variant: 'bursts every 8 s, polled every 1 s, 3 min', period: '8', intervalMillis: 1000, watchSeconds: 180 },
    { variant: 'bursts every 5 s, polled every 0.5 s, 60 s', period: '5', intervalMillis: 500, watchSeconds: 60 },
  ]
  for (const run of RUNS) {
    const reason = !python ? ` [skipped: ${'missing' in pythonEnv ? pythonEnv.missing : ''}]` : !hasPgDump ? ' [pg_dump not installed: run without it]' : ''
    it.skipIf(!python)(`steady and bursty QueuePools, LISTEN, a node-postgres Pool and pg_dump (${run.variant}): nothing at warning or above${reason}`, { timeout: 270_000 }, async () => {
      await db().admin('CREATE TABLE IF NOT EXISTS dump_me AS SELECT g AS id, md5(g::text) AS body FROM generate_series(1, 3000000) g')
      await db().admin('GRANT SELECT ON dump_me TO app')
      const dumps = hasPgDump ? dumpRepeatedly(db().url()) : undefined
      try {
        const diagnosis = await watchPrograms(
          db().url(),
          appUrl(),
          python,
          [
            { script: 'python/healthy_pools.py', application: 'shop', env: { PERIOD: run.period }, durationSeconds: run.watchSeconds + 10 },
            { script: 'node/healthy-pool.mjs', application: 'node-pool', durationSeconds: run.watchSeconds + 10 },
          ],
          { watchSeconds: run.watchSeconds, intervalMillis: run.intervalMillis },
        )
        const alarms = diagnosis.findings.filter((f) => isAtLeast(f.severity, 'warning')).map((f) => `${findingLabel(f)}: ${f.title}`)
        await recordDiagnosis({ program: 'healthy pools, LISTEN, pg_dump', variant: run.variant, expected: 'nothing at warning or above', seconds: null, serverFullSeconds: null, falseAlarms: alarms })
        expect(alarms, diagnosis.output).toEqual([])
        // The programs really ran: the steady pool held its connections, the bursty one went into overflow,
        // the three listeners and the node-postgres pool were there, and so was pg_dump.
        expect(diagnosis.output).not.toMatch(/Traceback|Error/)
        const peak = (application: string): number => diagnosis.peakByApplication.get(application) ?? 0
        expect(peak('shop-steady')).toBeGreaterThanOrEqual(4)
        expect(peak('shop-bursty')).toBeGreaterThan(10)
        expect(peak('shop-listener')).toBe(3)
        expect(peak('node-pool')).toBeGreaterThanOrEqual(2)
        if (hasPgDump) expect(peak('pg_dump')).toBeGreaterThanOrEqual(1)
      } finally {
        const count = await dumps?.stop()
        if (dumps) expect(count).toBeGreaterThanOrEqual(2)
      }
    })
  }
})
