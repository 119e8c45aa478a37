// Recordings that can be left on: polls written as deltas (with full
// snapshots every so often and after gaps) and gzip when the name says so,
// read back to exactly the polls the live run saw; cut files still read.
import { readFile, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { analyzeRecording } from '../../src/analyze-recording.js'
import type { Backend } from '../../src/core/backend.js'
import type { Snapshot } from '../../src/core/snapshot.js'
import { BACKEND_COLUMNS, FULL_SNAPSHOT_EVERY_POLLS, RECORDING_FORMAT, RECORDING_VERSION } from '../../src/sources/recording/recording-format.js'
import { recordingEventOf } from '../../src/sources/recording/recording-lines.js'
import { RecordingWriter } from '../../src/sources/recording/recording-writer.js'
import { DeltaDecoder, DeltaEncoder } from '../../src/sources/recording/snapshot-deltas.js'
import { backend, settings } from '../support/builders.js'

const T0 = Date.UTC(2026, 10, 29, 12)

const backendArbitrary = fc.record({ pid: fc.integer({ min: 1, max: 30 }), state: fc.constantFrom('active', 'idle', 'idle in transaction' as const), application: fc.constantFrom('api', 'worker'), stateChangeSecond: fc.integer({ min: 0, max: 5 }) })

function snapshotOf(second: number, specs: readonly { pid: number; state: 'active' | 'idle' | 'idle in transaction'; application: string; stateChangeSecond: number }[]): Snapshot {
  const byPid = new Map(specs.map((s) => [s.pid, s]))
  return {
    sampledAtMillis: T0 + second * 1000,
    sessionsEstablished: second,
    backends: [...byPid.values()].map((s) => backend({ pid: s.pid, state: s.state, application: s.application, stateChangeMillis: T0 + s.stateChangeSecond * 1000 })),
  }
}

const byPid = (backends: readonly Backend[]): Backend[] => [...backends].sort((a, b) => a.pid - b.pid)

describe('recordings as deltas', () => {
  it('rebuild every poll exactly, through full snapshots, deltas and resets after gaps', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.array(backendArbitrary, { maxLength: 12 }), fc.boolean()), { minLength: 1, maxLength: 150 }), (polls) => {
        const encoder = new DeltaEncoder()
        const decoder = new DeltaDecoder()
        polls.forEach(([specs, gapBefore], second) => {
          if (gapBefore) encoder.reset()
          const snapshot = snapshotOf(second, specs)
          // Through JSON and the reader's checks, as the file carries it and the replay reads it.
          const line = recordingEventOf(JSON.parse(JSON.stringify(encoder.encode(snapshot))))
          let rebuilt: Snapshot | undefined
          if (line?.type === 'snapshot') {
            decoder.full(line.backends)
            rebuilt = { sampledAtMillis: line.at, sessionsEstablished: line.sessions, backends: [...line.backends] }
          } else if (line?.type === 'delta') rebuilt = decoder.apply(line.at, line.sessions, line.upserts, line.gone)
          expect(rebuilt?.sampledAtMillis).toBe(snapshot.sampledAtMillis)
          expect(byPid(rebuilt!.backends)).toEqual(byPid(snapshot.backends))
          if (second === 0 || gapBefore) expect(line?.type).toBe('snapshot')
        })
      }),
      { numRuns: 200 },
    )
  })

  it('write a mostly idle server as a fraction of its full polls, gzip when the name ends in .gz, and read back what was written, even cut short', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgleak-deltas-'))
    const idle = Array.from({ length: 200 }, (_, i) => ({ pid: 1000 + i, state: 'idle' as const, application: i % 2 ? 'api' : 'worker', stateChangeSecond: 0 }))
    const polls = Array.from({ length: FULL_SNAPSHOT_EVERY_POLLS * 2 }, (_, second) => snapshotOf(second, [...idle, { pid: 9, state: 'active', application: 'api', stateChangeSecond: second }]))
    const sizes: Record<string, number> = {}
    for (const name of ['run.ndjson', 'run.ndjson.gz']) {
      const path = join(dir, name)
      const writer = RecordingWriter.open(path)
      const encoder = new DeltaEncoder()
      writer.write({ type: RECORDING_FORMAT, version: RECORDING_VERSION, pgleakVersion: 'test', startedAt: new Date(T0).toISOString(), target: 't', intervalMillis: 1000, groupBy: ['app'], ignore: [], thresholds: {} as never, columns: BACKEND_COLUMNS })
      writer.write({ type: 'settings', settings: settings() })
      for (const poll of polls) writer.write(encoder.encode(poll))
      writer.close()
      sizes[name] = (await readFile(path)).length
      const replayed = await analyzeRecording(path)
      expect(replayed.window.samples).toBe(polls.length)
      expect(replayed.skipped.count).toBe(0)
    }
    // Full polls would be 240 x 201 rows; the deltas carry one changed row each, with a full one every 120.
    const full = JSON.stringify(polls.map((p) => p.backends)).length
    expect(sizes['run.ndjson']!).toBeLessThan(full / 20)
    // Each line is a gzip member of its own (a cut file stays readable): the full polls shrink most.
    expect(sizes['run.ndjson.gz']!).toBeLessThan(sizes['run.ndjson']! / 2)

    // pgleak killed mid-write: the gzip file ends in half a member; the polls before it are read, the cut counted.
    const whole = await readFile(join(dir, 'run.ndjson.gz'))
    const cut = join(dir, 'cut.ndjson.gz')
    await writeFile(cut, whole.subarray(0, whole.length - 30))
    const replayed = await analyzeRecording(cut)
    expect(replayed.window.samples).toBe(polls.length - 1)
    expect(replayed.skipped.count).toBe(1)
  })
})
