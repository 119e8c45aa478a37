// The time-to-diagnosis rows: runs the real programs of test/programs (the
// same tests `npm test` runs, each program twice with different timing),
// and prints for each how many seconds after its start the first correct
// finding came, whether that was before the server filled, and any false
// alarm. The tests write one JSON line per case to PGLEAK_DIAGNOSIS_OUT.
import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))

function runVitest(out) {
  return new Promise((resolve) => {
    const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs')
    const child = spawn(process.execPath, [vitest, 'run', 'test/programs', '--reporter=dot'], {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, PGLEAK_DIAGNOSIS_OUT: out },
    })
    child.on('close', (code) => resolve(code))
  })
}

function seconds(value) {
  return value === null ? '—' : `${value.toFixed(1)} s`
}

/** Runs the programs and returns the table's Markdown. */
export async function timeToDiagnosis() {
  const dir = await mkdtemp(join(tmpdir(), 'pgleak-diagnosis-'))
  try {
    const out = join(dir, 'diagnosis.ndjson')
    console.log('running the real programs (test/programs), each twice with different timing...')
    const code = await runVitest(out)
    const rows = (await readFile(out, 'utf8').catch(() => '')).trim().split('\n').filter(Boolean).map((line) => JSON.parse(line))
    const lines = [
      '| program | timing | correct finding | first named after | server full after | named before it filled | false alarms |',
      '|---|---|---|---|---|---|---|',
    ]
    // In the order of the table in the README: by program, then by timing.
    rows.sort((a, b) => a.program.localeCompare(b.program) || a.variant.localeCompare(b.variant))
    for (const r of rows) {
      const isQuietCase = r.expected.startsWith('nothing')
      const before = r.seconds === null ? (isQuietCase ? '—' : 'not named') : r.serverFullSeconds === null ? 'n/a' : r.seconds <= r.serverFullSeconds ? 'yes' : 'no'
      lines.push(`| ${r.program} | ${r.variant} | ${r.expected} | ${seconds(r.seconds)} | ${seconds(r.serverFullSeconds)} | ${before} | ${r.falseAlarms.length === 0 ? 'none' : r.falseAlarms.join('; ')} |`)
    }
    if (code !== 0) lines.push('', `(the programs' tests exited ${code}: a row above missed its mark, or a program could not run)`)
    return lines.join('\n')
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
