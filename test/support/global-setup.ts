// Prepares one initdb template per PostgreSQL major for the whole run; each test
// file starts its own server from a copy (see src/demo/embedded-server.ts). With
// PGLEAK_TEST_DATABASE_URL set, the tests use that server instead and no
// template is made.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestProject } from 'vitest/node'
import { createTemplate, EMBEDDED_MAJORS, type EmbeddedMajor } from '../../src/demo/embedded-server.js'
import { preparePython, type PythonEnv } from './python-env.js'

declare module 'vitest' {
  export interface ProvidedContext {
    pgTemplates: Partial<Record<EmbeddedMajor, string>>
    pythonEnv: PythonEnv
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  project.provide('pythonEnv', await preparePython())
  if (process.env.PGLEAK_TEST_DATABASE_URL) {
    project.provide('pgTemplates', {})
    return async () => {}
  }
  const parent = await mkdtemp(join(tmpdir(), 'pgleak-test-templates-'))
  const templates: Partial<Record<EmbeddedMajor, string>> = {}
  await Promise.all(
    EMBEDDED_MAJORS.map(async (major) => {
      templates[major] = await createTemplate(major, parent)
    }),
  )
  project.provide('pgTemplates', templates)
  return async () => {
    await rm(parent, { recursive: true, force: true })
  }
}
