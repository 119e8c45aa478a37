#!/usr/bin/env node
// `pgleak --version` answers without loading the CLI: a version check should cost what starting Node costs.
const args = process.argv.slice(2)
if (args.length === 1 && (args[0] === '--version' || args[0] === '-v')) {
  const { readFileSync } = await import('node:fs')
  console.log(JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version)
} else {
  await import('../dist/cli/main.js')
}
