// Running workers and commands, and summarising repeated runs.
import { spawn } from 'node:child_process'

export function runNode(args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], ...options })
    let out = ''
    child.stdout.on('data', (chunk) => (out += chunk))
    child.on('error', reject)
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1))) : reject(new Error(`${args.join(' ')} exited ${code}`))))
  })
}

/** Wall-clock seconds of a whole process; an exit code outside `options.exits` (default: 0) fails the bench. */
export function timeCommand(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint()
    const { exits = [0], ...spawnOptions } = options
    const child = spawn(command, args, { stdio: 'ignore', ...spawnOptions })
    child.on('error', reject)
    child.on('close', (code) => (exits.includes(code) ? resolve(Number(process.hrtime.bigint() - started) / 1e9) : reject(new Error(`${command} exited ${code}`))))
  })
}

export function summary(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  const median = sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
  return { median, min: sorted[0], max: sorted.at(-1), runs: values.length }
}

export function fmt(value, digits = 1) {
  return Number.isFinite(value) ? value.toFixed(digits) : '-'
}

export function range(s, digits = 1, unit = '') {
  return `${fmt(s.median, digits)}${unit} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`
}
