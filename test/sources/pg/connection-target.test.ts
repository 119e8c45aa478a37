import { describe, expect, it } from 'vitest'
import { PgleakError } from '../../../src/errors.js'
import { parseKeywordDsn, resolveConnectionTarget, scrubSecrets } from '../../../src/sources/pg/connection-target.js'

describe('resolveConnectionTarget', () => {
  it('takes --dsn first, then DATABASE_URL, then the libpq variables', () => {
    const env = { DATABASE_URL: 'postgres://env@envhost/envdb', PGHOST: 'pghost', PGUSER: 'pguser', PGDATABASE: 'pgdb' }
    expect(resolveConnectionTarget('postgres://flag@flaghost:6543/flagdb', env).description).toBe('flag@flaghost:6543/flagdb')
    expect(resolveConnectionTarget(undefined, env).description).toBe('env@envhost:5432/envdb')
    expect(resolveConnectionTarget(undefined, { PGHOST: 'pghost', PGPORT: '6000', PGUSER: 'pguser', PGDATABASE: 'pgdb' }).description).toBe('pguser@pghost:6000/pgdb')
  })

  it('never puts the password in the description, and lists it as a secret', () => {
    const target = resolveConnectionTarget('postgresql://app:s3cr%40t@db:5432/shop', {})
    expect(target.description).toBe('app@db:5432/shop')
    expect(target.secrets).toContain('s3cr@t')
  })

  it('reads libpq key=value strings, quoted values included', () => {
    const target = resolveConnectionTarget("host=db port=6432 user=app password='it\\'s x' dbname=shop sslmode=disable", {})
    expect(target.description).toBe('app@db:6432/shop')
    expect(target.config).toMatchObject({ host: 'db', port: 6432, user: 'app', database: 'shop', ssl: false })
    expect(target.config.password).toBe("it's x")
    expect(parseKeywordDsn("password='a b'")).toEqual({ password: 'a b' })
  })

  it('gives sslmode libpq meaning: require encrypts without verifying, prefer falls back', () => {
    expect(resolveConnectionTarget('postgres://db/x?sslmode=require', {}).config.ssl).toEqual({ rejectUnauthorized: false })
    expect(resolveConnectionTarget('postgres://db/x?sslmode=verify-full', {}).config.ssl).toBe(true)
    expect(resolveConnectionTarget('postgres://db/x?sslmode=prefer', {}).sslFallback).toBe(true)
    expect(resolveConnectionTarget(undefined, { PGSSLMODE: 'require' }).config.ssl).toEqual({ rejectUnauthorized: false })
  })

  it("passes over query parameters meant for the application's own driver", () => {
    const target = resolveConnectionTarget('postgresql://app:pw@db:5432/shop?schema=public&connection_limit=5&sslmode=disable', {})
    expect(target.config).toEqual({ host: 'db', port: 5432, user: 'app', password: 'pw', database: 'shop', ssl: false })
  })

  it('rejects malformed DSNs with a BAD_DSN error that says the expected form', () => {
    const attempt = (dsn: string) => () => resolveConnectionTarget(dsn, {})
    expect(attempt('postgres://app:pw@db:notaport/x')).toThrowError(PgleakError)
    expect(attempt('just some words')).toThrowError(/neither a postgres:\/\/ URL nor a key=value list/)
    expect(attempt('host=db colour=blue')).toThrowError(/unknown connection keyword 'colour'/)
    expect(attempt('postgres://db/x?sslmode=sometimes')).toThrowError(/unknown sslmode 'sometimes'/)
  })

  it('counts PGPASSWORD as a secret', () => {
    expect(resolveConnectionTarget(undefined, { PGPASSWORD: 'hunter2' }).secrets).toEqual(['hunter2'])
  })
})

describe('scrubSecrets', () => {
  it('removes known secrets and any URL or keyword password from a message', () => {
    expect(scrubSecrets('auth failed for hunter2', ['hunter2'])).toBe('auth failed for ***')
    expect(scrubSecrets('database "x" does not exist; password x', ['x'])).toBe('database "***" does not exist; password ***')
    expect(scrubSecrets('bad url postgres://app:topsecret@db/x', [])).toBe('bad url postgres://app:***@db/x')
    expect(scrubSecrets("bad dsn host=db password='top secret' user=x", [])).not.toContain('top secret')
  })
})
