import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['./test/support/global-setup.ts'],
    setupFiles: ['./test/support/fail-on-stray-rejections.ts'],
    pool: 'forks',
    // The real-program tests mostly wait on the clock (a leak filling a server takes its seconds), so
    // three files at a time keep the run short on two cores without starving any of CPU.
    maxWorkers: 3,
    // The JSON report is what .ci/run counts passed and failed tests from.
    reporters: ['default', ['json', { outputFile: '.vitest-results.json' }]],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
})
