import { describe, expect, it } from 'vitest'
import { redactQuery } from '../../src/core/redact-query.js'

describe('redactQuery', () => {
  it('replaces string and numeric literals and keeps the statement shape', () => {
    expect(redactQuery("SELECT * FROM users WHERE email = 'ann@example.com' AND id = 42")).toBe('SELECT * FROM users WHERE email = ? AND id = ?')
  })

  it('keeps bind placeholders and identifiers with digits', () => {
    expect(redactQuery('UPDATE t1 SET a = $1 WHERE b = $2 LIMIT 10')).toBe('UPDATE t1 SET a = $1 WHERE b = $2 LIMIT ?')
  })

  it('replaces dollar-quoted and escaped strings', () => {
    expect(redactQuery("INSERT INTO notes VALUES ($tag$secret 'text'$tag$, E'line\\n', 'it''s')")).toBe('INSERT INTO notes VALUES (?, ?, ?)')
  })

  it('redacts a string cut off by query truncation', () => {
    expect(redactQuery("SELECT 'card 4111 1111")).toBe('SELECT ?')
  })
})
