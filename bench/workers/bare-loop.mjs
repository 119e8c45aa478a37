// The yardstick: read the file and find its lines with Buffer#indexOf, no decoding, nothing else.
import { closeSync, openSync, readSync } from 'node:fs'

const started = process.hrtime.bigint()
const fd = openSync(process.argv[2], 'r')
const buffer = Buffer.alloc(1 << 20)
let lines = 0
for (;;) {
  const read = readSync(fd, buffer, 0, buffer.length, null)
  if (read <= 0) break
  let at = buffer.indexOf(10, 0)
  while (at !== -1 && at < read) {
    lines++
    at = buffer.indexOf(10, at + 1)
  }
}
closeSync(fd)
const seconds = Number(process.hrtime.bigint() - started) / 1e9
console.log(JSON.stringify({ seconds, lines, maxRssMb: process.resourceUsage().maxRSS / 1024 }))
