// A node-postgres service that opens a Client per request and ends it in the
// happy path only: every LEAK_EVERY-th request takes an error path that
// returns early without client.end(). REQUESTS_PER_SECOND requests a second.
import pg from 'pg'

const url = process.env.DATABASE_URL
const application = process.env.APP_NAME ?? 'node-api'
const durationMillis = Number(process.env.DURATION ?? 30) * 1000
const everyMillis = 1000 / Number(process.env.REQUESTS_PER_SECOND ?? 4)
const leakEvery = Number(process.env.LEAK_EVERY ?? 4)
const leaked = []

async function handle(n) {
  const client = new pg.Client({ connectionString: url, application_name: application })
  client.on('error', () => {})
  await client.connect()
  const { rows } = await client.query('SELECT count(*)::int AS n FROM pg_class')
  if (n % leakEvery === 0) {
    leaked.push(client) // the error path: returns without client.end()
    return { error: 'validation failed' }
  }
  await client.end()
  return rows[0]
}

const started = Date.now()
for (let n = 1; Date.now() - started < durationMillis; n++) {
  const at = Date.now()
  handle(n).catch(() => {}) // a full server refuses: the request fails, the service goes on
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, everyMillis - (Date.now() - at))))
}
await Promise.all(leaked.map((client) => client.end().catch(() => {})))
