// Synthetic pool and server logs of a given size, line for line in the shapes
// the real fixtures have (test/fixtures/pool-logs), for the throughput and
// memory rows of the benchmark. A few connections leak on the way, so the
// ledger has something to hold, but memory must stay flat.
import { createWriteStream } from 'node:fs'

const START = Date.parse('2026-11-21T06:00:00.000Z')
const CHUNK_BYTES = 1 << 20

function stamp(millis) {
  const iso = new Date(millis).toISOString()
  return { python: `${iso.slice(0, 10)} ${iso.slice(11, 19)},${iso.slice(20, 23)}`, postgres: `${iso.slice(0, 10)} ${iso.slice(11, 23)} UTC` }
}

async function writeUntil(path, targetBytes, nextLines) {
  const out = createWriteStream(path)
  let written = 0
  let index = 0
  while (written < targetBytes) {
    let chunk = ''
    while (chunk.length < CHUNK_BYTES) chunk += nextLines(index++)
    written += Buffer.byteLength(chunk)
    if (!out.write(chunk)) await new Promise((resolve) => out.once('drain', resolve))
  }
  await new Promise((resolve, reject) => out.end((error) => (error ? reject(error) : resolve())))
  return written
}

/** SQLAlchemy's pool logger with psycopg2 reprs: checkouts and checkins, some overflow, a leak every 50,000 requests. */
export function writeSqlalchemyLog(path, targetBytes) {
  const repr = (n) => `<connection object at 0x7f2c5${(0x7322d40 + n * 0x1a0).toString(16)}; dsn: 'user=app password=xxx dbname=shop host=10.0.3.7 port=5432 application_name=api', closed: 0>`
  let leaked = 0
  return writeUntil(path, targetBytes, (i) => {
    const t = stamp(START + i * 3).python
    const prefix = `${t} DEBUG sqlalchemy.pool.impl.QueuePool`
    const connection = repr(i % 5)
    if (i % 50_000 === 49_999) {
      const extra = repr(1000 + leaked++)
      return `${prefix} Created new connection ${extra}\n${prefix} Connection ${extra} checked out from pool\n`
    }
    if (i % 1000 === 500) {
      const overflow = repr(100 + (i % 7))
      return `${prefix} Created new connection ${overflow}\n${prefix} Connection ${overflow} checked out from pool\n${prefix} Connection ${overflow} being returned to pool\n${prefix} Closing connection ${overflow}\n`
    }
    return (
      `${prefix} Connection ${connection} checked out from pool\n` +
      `${t} INFO app GET /orders/${i % 977} 200 ${i % 40}ms\n` +
      `${prefix} Connection ${connection} being returned to pool\n` +
      `${prefix} Connection ${connection} reset, transaction already reset\n`
    )
  })
}

/** A PostgreSQL log with log_connections and log_disconnections, default prefix, and the usual other lines. */
export function writeServerLog(path, targetBytes) {
  const apps = ['api', 'worker', 'flask-app', 'reports', 'psql']
  return writeUntil(path, targetBytes, (i) => {
    const pid = 10_000 + (i % 4_000_000)
    const t = stamp(START + i * 7).postgres
    const app = apps[i % apps.length]
    const port = 40_000 + (i % 20_000)
    const lines =
      `${t} [${pid}] LOG:  connection received: host=10.0.3.${i % 250} port=${port}\n` +
      `${t} [${pid}] LOG:  connection authorized: user=app database=shop application_name=${app}\n` +
      (i % 10 === 0 ? `${t} [${pid}] LOG:  duration: ${i % 900}.123 ms  statement: SELECT * FROM orders WHERE id = ${i}\n` : '') +
      (i % 5000 === 0 ? `${t} [${pid + 1}] FATAL:  sorry, too many clients already\n` : '') +
      `${t} [${pid}] LOG:  disconnection: session time: 0:00:0${i % 10}.${String(i % 1000).padStart(3, '0')} user=app database=shop host=10.0.3.${i % 250} port=${port}\n`
    return lines
  })
}
