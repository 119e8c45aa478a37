// Healthy: one pg.Pool (max 10) per process, every checkout released in a
// finally block, serving CONCURRENCY requests at a time continuously.
import pg from 'pg'

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, application_name: process.env.APP_NAME ?? 'node-pool', max: 10 })
pool.on('error', () => {})
const durationMillis = Number(process.env.DURATION ?? 30) * 1000
const concurrency = Number(process.env.CONCURRENCY ?? 6)
const started = Date.now()

async function serve() {
  while (Date.now() - started < durationMillis) {
    const client = await pool.connect()
    try {
      await client.query('SELECT pg_sleep(0.02)')
    } finally {
      client.release()
    }
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

await Promise.all(Array.from({ length: concurrency }, serve))
await pool.end()
