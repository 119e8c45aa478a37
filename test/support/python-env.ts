// A Python with the libraries the real programs in test/programs/python use
// (SQLAlchemy, psycopg2, Flask): PGLEAK_TEST_PYTHON when set, else a
// virtualenv made once under node_modules/.cache from python3 and pip's
// configured index. When neither can be had, the programs' tests are
// skipped with the reason, never passed empty.
import { spawn } from 'node:child_process'
import { access, mkdir } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const REQUIREMENTS = join(root, 'test', 'programs', 'python', 'requirements.txt')
const VENV = join(root, 'node_modules', '.cache', 'pgleak-test-python')

export type PythonEnv = { readonly python: string } | { readonly missing: string }

function run(command: string, args: readonly string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.on('error', (error) => resolve({ code: null, output: error.message }))
    child.on('close', (code) => resolve({ code, output }))
  })
}

async function hasLibraries(python: string): Promise<boolean> {
  return (await run(python, ['-c', 'import sqlalchemy, psycopg2, flask'])).code === 0
}

export async function preparePython(): Promise<PythonEnv> {
  const given = process.env.PGLEAK_TEST_PYTHON
  if (given) return (await hasLibraries(given)) ? { python: given } : { missing: `PGLEAK_TEST_PYTHON (${given}) cannot import sqlalchemy, psycopg2 and flask` }
  const python = join(VENV, 'bin', 'python')
  if (await access(python).then(() => true, () => false)) {
    if (await hasLibraries(python)) return { python }
  } else {
    await mkdir(dirname(VENV), { recursive: true })
    const venv = await run('python3', ['-m', 'venv', VENV])
    if (venv.code !== 0) return { missing: `python3 -m venv failed: ${venv.output.trim().split('\n').pop() ?? ''}` }
  }
  // No retries: an index this machine cannot reach should cost seconds, not minutes.
  const pip = await run(python, ['-m', 'pip', 'install', '--quiet', '--retries', '0', '--timeout', '5', '-r', REQUIREMENTS])
  if (pip.code !== 0 || !(await hasLibraries(python))) {
    return { missing: `pip could not install SQLAlchemy, psycopg2-binary and Flask: ${pip.output.trim().split('\n').pop() ?? ''}` }
  }
  return { python }
}
