// A refusal is one failed request however many times its traceback quotes it.
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { PoolEvent } from '../../../src/core/pool-event.js'
import { readPoolLog } from '../../../src/sources/logs/read-pool-log.js'

const REFUSED = 'connection to server at "127.0.0.1", port 5432 failed: FATAL:  sorry, too many clients already'

/** What SQLAlchemy's wrapper of a psycopg2 error logs through `log.exception`: the refusal twice. */
function pythonChained(time: string): string[] {
  return [
    `${time} ERROR app request failed`,
    'Traceback (most recent call last):',
    '  File "/app/.venv/lib/python3.11/site-packages/sqlalchemy/engine/base.py", line 145, in __init__',
    '    self._dbapi_connection = engine.raw_connection()',
    `psycopg2.OperationalError: ${REFUSED}`,
    '',
    '',
    'The above exception was the direct cause of the following exception:',
    '',
    'Traceback (most recent call last):',
    '  File "/app/worker.py", line 30, in handle',
    '    with engine.connect() as conn:',
    `sqlalchemy.exc.OperationalError: (psycopg2.OperationalError) ${REFUSED}`,
    '',
    '(Background on this error at: https://sqlalche.me/e/20/e3q8)',
  ]
}

async function refusals(lines: readonly string[]): Promise<{ events: PoolEvent[]; repeated: number }> {
  const path = join(await mkdtemp(join(tmpdir(), 'pgleak-records-')), 'app.log')
  await writeFile(path, lines.join('\n') + '\n')
  const events: PoolEvent[] = []
  const summary = await readPoolLog(path, { onEvent: (event) => events.push(event) })
  return { events: events.filter((e) => e.type === 'too-many-clients'), repeated: summary.repeatedInTraceback }
}

describe('refusals quoted in tracebacks', () => {
  it('counts a chained exception and its wrapper as one refusal, and each logged failure once', async () => {
    const lines = [...pythonChained('2026-11-29 10:00:00,001'), '2026-11-29 10:00:00,050 INFO app served', ...pythonChained('2026-11-29 10:00:01,001')]
    const { events, repeated } = await refusals(lines)
    expect(events.map((e) => e.line)).toEqual([5, 21])
    expect(repeated).toBe(2)
  })

  it('counts a record line and the traceback that repeats it once', async () => {
    const lines = [`2026-11-29 10:00:00,001 ERROR app request failed: ${REFUSED}`, 'Traceback (most recent call last):', '  File "/app/w.py", line 3, in f', `psycopg2.OperationalError: ${REFUSED}`]
    expect((await refusals(lines)).events).toHaveLength(1)
  })

  it('keeps two tracebacks printed back to back, with nothing chaining them, as two failures', async () => {
    const bare = ['Traceback (most recent call last):', '  File "/app/w.py", line 3, in f', `psycopg2.OperationalError: ${REFUSED}`]
    expect((await refusals([...bare, ...bare])).events).toHaveLength(2)
    const java = [`org.postgresql.util.PSQLException: FATAL: sorry, too many clients already`, '\tat org.postgresql.core.v3.ConnectionFactoryImpl.doAuthentication(ConnectionFactoryImpl.java:693)']
    expect((await refusals([...java, ...java])).events).toHaveLength(2)
    const caused = [...java, `Caused by: java.net.SocketException: FATAL: sorry, too many clients already`, '\tat x.y(Z.java:1)']
    expect((await refusals(caused)).events).toHaveLength(1)
  })

  it('counts each line of a server log on its own', async () => {
    const lines = ['2026-11-29 10:00:00.001 UTC [101] FATAL:  sorry, too many clients already', '2026-11-29 10:00:00.002 UTC [102] FATAL:  sorry, too many clients already']
    expect((await refusals(lines)).events).toHaveLength(2)
  })
})
