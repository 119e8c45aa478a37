// `watch --pool-log F` and `analyze F` must see the same file the same way: the
// follower pushes what was appended since its last poll through the reader
// `analyze` uses, so the events are the same whether the file is read whole or
// grows in pieces cut anywhere, even mid-line and mid-character.
import { appendFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import type { PoolEvent } from '../../../src/core/pool-event.js'
import { analyzePoolLogs } from '../../../src/analyze-logs.js'
import { runPoolDetectors } from '../../../src/core/detectors/pool/index.js'
import { sortFindings } from '../../../src/core/finding.js'
import { PoolLedger } from '../../../src/core/pool-ledger.js'
import { thresholdsFor } from '../../../src/core/thresholds.js'
import { PoolLogFollower } from '../../../src/sources/logs/follow-pool-log.js'
import { readPoolLog } from '../../../src/sources/logs/read-pool-log.js'

const FIXTURES = fileURLToPath(new URL('../../fixtures/pool-logs/', import.meta.url))
const LOG_FILE = /(?<!\.truth)\.(log|jsonl|csv|json)$/

async function fixtureLogs(): Promise<string[]> {
  const paths: string[] = []
  for (const folder of await readdir(FIXTURES)) {
    for (const name of await readdir(join(FIXTURES, folder)).catch(() => [])) if (LOG_FILE.test(name)) paths.push(join(folder, name))
  }
  return paths.sort()
}

/** A random generator with a seed, so a failure can be replayed. */
function randomFrom(seed: number): () => number {
  let state = seed
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31
    return state / 2 ** 31
  }
}

const work = await mkdtemp(join(tmpdir(), 'pgleak-one-reader-'))
afterAll(() => rm(work, { recursive: true, force: true }))

describe('one reader behind analyze and watch --pool-log', async () => {
  const logs = await fixtureLogs()

  it('has fixtures of every kind to compare', () => {
    expect(logs.length).toBeGreaterThanOrEqual(15)
  })

  it.each(logs)('%s gives the same events, counts and findings read whole and followed as it grows in pieces', async (name) => {
    const data = await readFile(join(FIXTURES, name))
    const whole: PoolEvent[] = []
    const summary = await readPoolLog(join(FIXTURES, name), { onEvent: (event) => whole.push(event) })
    expect(whole.length).toBeGreaterThan(0)

    const random = randomFrom(data.length)
    const path = join(work, name.replaceAll('/', '-'))
    await writeFile(path, '')
    const follower = new PoolLogFollower(path)
    const followed: PoolEvent[] = [...follower.poll()]
    for (let at = 0; at < data.length; ) {
      // Pieces of a few bytes to a few kilobytes: a line, half a line, a burst of lines.
      const size = 1 + Math.floor(random() ** 3 * 8192)
      await appendFile(path, data.subarray(at, at + size))
      at += size
      followed.push(...follower.poll())
    }
    followed.push(...follower.finish())

    expect(followed).toEqual(whole)
    expect(follower.format).toBe(summary.format)
    // And so the same findings: the follower's events judged as analyze judges the file.
    const ledger = new PoolLedger()
    for (const event of followed) ledger.ingest(event)
    const fromFollower = sortFindings(runPoolDetectors({ ledger, thresholds: thresholdsFor('analyze'), nowMillis: ledger.nowMillis }))
    expect(fromFollower).toEqual((await analyzePoolLogs([join(FIXTURES, name)])).findings)
    const { skipped, unrecognisedPoolLines, repeatedInTraceback } = follower.summary()
    expect({ skipped, unrecognisedPoolLines, repeatedInTraceback }).toEqual({
      skipped: summary.skipped,
      unrecognisedPoolLines: summary.unrecognisedPoolLines,
      repeatedInTraceback: summary.repeatedInTraceback,
    })
  })
})
