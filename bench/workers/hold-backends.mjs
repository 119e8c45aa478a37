// Holds 1,000 client connections on the bench server, in a mix of states: idle,
// idle in transaction, active, and waiting on a lock. Prints "ready" when they
// are all in place, and holds them until it is killed.
import pg from 'pg'

const url = process.argv[2]
const counts = { idle: 700, idleInTransaction: 150, active: 100, waiting: 49 }
const clients = []
async function open(application) {
  const client = new pg.Client({ connectionString: url, application_name: application })
  client.on('error', () => {})
  await client.connect()
  clients.push(client)
  return client
}
async function batch(n, make) {
  for (let i = 0; i < n; i += 50) await Promise.all(Array.from({ length: Math.min(50, n - i) }, (_, j) => make(i + j)))
}

const setup = await open('bench-setup')
await setup.query('CREATE TABLE IF NOT EXISTS bench_lock (id int)')
const holder = await open('lock-holder')
await holder.query('BEGIN')
await holder.query('LOCK TABLE bench_lock IN ACCESS EXCLUSIVE MODE')
await batch(counts.idle, async (i) => (await open(`web-${i % 14}`)).query('SELECT 1'))
await batch(counts.idleInTransaction, async (i) => {
  const client = await open(`worker-${i % 5}`)
  await client.query('BEGIN')
  await client.query('SELECT 1')
})
await batch(counts.active, async (i) => void (await open(`reports-${i % 3}`)).query('SELECT pg_sleep(3600)').catch(() => {}))
await batch(counts.waiting, async () => void (await open('blocked')).query('SELECT * FROM bench_lock').catch(() => {}))
await setup.end()
console.log(JSON.stringify({ ready: true, connections: clients.length - 1 }))
setInterval(() => {}, 1 << 30)
