#!/usr/bin/env node
// `pgleak --version` answers without loading the CLI: a version check should cost what starting Node costs.
const args = process.argv.slice(2)
if (args.length === 1 && (args[0] === '--version' || args[0] === '-v')) {
  const { readFileSync } = await import('node:fs')
  console.log(JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version)
} else {
  // node-postgres asks whether it runs in a Cloudflare Worker at import: with no `navigator` (Node
  // 20 has none; 21 and later have one), it builds a fetch Response to find out, which loads Node's
  // whole fetch implementation, about 30 ms of every command. The CLI gives it what newer Node does.
  globalThis.navigator ??= { userAgent: `Node.js/${process.versions.node.split('.')[0]}` }
  await import('../dist/bundle/pgleak.js')
}
