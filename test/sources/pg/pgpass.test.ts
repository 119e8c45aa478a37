import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { findPgpassPassword, readPgpassPassword } from '../../../src/sources/pg/pgpass.js'

const lookup = { host: 'db.internal', port: 5432, database: 'shop', user: 'app' }

describe('pgpass', () => {
  it('returns the first line whose fields match, with * as a wildcard', () => {
    const text = ['# comment', 'other:5432:shop:app:wrong', 'db.internal:*:shop:app:right', '*:*:*:*:fallback'].join('\n')
    expect(findPgpassPassword(text, lookup)).toBe('right')
    expect(findPgpassPassword(text, { ...lookup, user: 'someone' })).toBe('fallback')
  })

  it('honours \\: and \\\\ escapes', () => {
    expect(findPgpassPassword('db.internal:5432:shop:app:pa\\:ss\\\\word', lookup)).toBe('pa:ss\\word')
  })

  it('ignores a file that others can read, as libpq does', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pgleak-pgpass-'))
    const file = join(dir, 'pgpass')
    writeFileSync(file, '*:*:*:*:from-file\n')
    chmodSync(file, 0o600)
    expect(readPgpassPassword(lookup, { PGPASSFILE: file })).toBe('from-file')
    chmodSync(file, 0o644)
    expect(readPgpassPassword(lookup, { PGPASSFILE: file })).toBeUndefined()
  })
})
