// The package's public entry, as `import { audit } from 'pgleak'` resolves it.
import { describe, expect, it } from 'vitest'

describe('the pgleak package', () => {
  it('exports the commands and the contract kinds (the contract\'s, then the added ones) from its main entry', async () => {
    const pgleak = await import('pgleak')
    expect(typeof pgleak.audit).toBe('function')
    expect(pgleak.FINDING_KINDS).toEqual([
      'headroom',
      'idle-in-transaction',
      'connection-growth',
      'churn',
      'abandoned-connections',
      'pool-imbalance',
      'pool-exhaustion',
      'multiple-pools',
      'config',
      'leftover-connections',
      'pool-sizing',
      'pooler-client-growth',
    ])
    for (const name of ['watch', 'check', 'analyzeRecording', 'analyzePoolLogs', 'isRecordingFile', 'CHECK_THRESHOLDS', 'LeakMonitor', 'runTimelineDetectors', 'serve', 'targetsFromFile', 'SnapshotReader']) expect(pgleak).toHaveProperty(name)
  })
})
