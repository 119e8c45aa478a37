import { describe, expect, it } from 'vitest'
import { isIgnored, parseIgnoreRule, type IgnoreRule } from '../../src/core/ignore-rule.js'
import { backend } from '../support/builders.js'

function rule(text: string): IgnoreRule {
  const parsed = parseIgnoreRule(text)
  if ('error' in parsed) throw new Error(parsed.error)
  return parsed
}

describe('ignore rules', () => {
  it('match an application exactly', () => {
    expect(isIgnored(backend({ application: 'pg_dump' }), [rule('app=pg_dump')])).toBe(true)
    expect(isIgnored(backend({ application: 'pg_dumpall' }), [rule('app=pg_dump')])).toBe(false)
  })

  it('take * as any run of characters, and other characters literally', () => {
    expect(isIgnored(backend({ application: 'airflow-scheduler' }), [rule('app=airflow*')])).toBe(true)
    expect(isIgnored(backend({ clientAddr: '10.0.0.7' }), [rule('client=10.0.0.*')])).toBe(true)
    expect(isIgnored(backend({ clientAddr: '10a0b0c7' }), [rule('client=10.0.0.7')])).toBe(false)
  })

  it('match users and databases', () => {
    expect(isIgnored(backend({ user: 'replicator' }), [rule('user=replicator')])).toBe(true)
    expect(isIgnored(backend({ database: 'analytics' }), [rule('db=analytics')])).toBe(true)
  })

  it('explain what is wrong with a malformed rule', () => {
    expect(parseIgnoreRule('pg_dump')).toEqual({ error: expect.stringContaining('app=NAME') })
    expect(parseIgnoreRule('host=x')).toEqual({ error: expect.stringContaining("not 'host=x'") })
  })
})
