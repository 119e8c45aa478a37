// Real client workloads for the live tests: node-postgres sessions against
// the test server, stopped by an AbortSignal and always cleaned up.
import pg from 'pg'
import { sleep } from './run-cli.js'

export interface RunningWorkload {
  stop(): Promise<void>
}

function client(url: string, application: string): pg.Client {
  const c = new pg.Client({ connectionString: url, application_name: application })
  c.on('error', () => {})
  return c
}

/** Opens one connection every `everyMillis`, runs one query on it and never closes it (until stop). */
export function leakConnections(url: string, application: string, everyMillis: number): RunningWorkload {
  const leaked: pg.Client[] = []
  let isStopped = false
  // Once the server refuses it ("too many clients"), the leak stops, as the application's requests would fail.
  const loop = (async () => {
    while (!isStopped) {
      const c = client(url, application)
      leaked.push(c)
      await c.connect()
      await c.query('SELECT 1')
      await sleep(everyMillis)
    }
  })().catch(() => {})
  return {
    async stop() {
      isStopped = true
      await loop.catch(() => {})
      await Promise.all(leaked.map((c) => c.end().catch(() => {})))
    },
  }
}

/** Connect, run the request's query (50 ms), disconnect, over and over: a connection per request. */
export function connectionPerRequest(url: string, application: string): RunningWorkload {
  let isStopped = false
  const loop = (async () => {
    while (!isStopped) {
      const c = client(url, application)
      await c.connect()
      await c.query('SELECT pg_sleep(0.05)')
      await c.end()
      await sleep(20)
    }
  })()
  return {
    async stop() {
      isStopped = true
      await loop.catch(() => {})
    },
  }
}

/** A pool of `size` that stays busy and keeps its connections. */
export function steadyPool(url: string, application: string, size: number): RunningWorkload {
  const pool = new pg.Pool({ connectionString: url, application_name: application, max: size })
  pool.on('error', () => {})
  let isStopped = false
  const loop = (async () => {
    while (!isStopped) {
      await Promise.all(Array.from({ length: size }, () => pool.query('SELECT pg_sleep(0.05)').catch(() => {})))
      await sleep(100)
    }
  })()
  return {
    async stop() {
      isStopped = true
      await loop.catch(() => {})
      await pool.end()
    },
  }
}
