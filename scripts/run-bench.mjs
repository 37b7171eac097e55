#!/usr/bin/env node
// Runs every benchmark under dist/bench (or those whose name contains the filter), one process each.
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'

const filter = process.argv[2]
const files = readdirSync('dist/bench')
  .filter((f) => f.endsWith('.js') && !f.startsWith('_'))
  .filter((f) => !filter || f.includes(filter))
  .sort()
let failed = 0
for (const f of files) {
  console.log(`\n=== bench/${f.replace(/\.js$/, '.ts')} ===`)
  const r = spawnSync(process.execPath, ['--expose-gc', `dist/bench/${f}`], { stdio: 'inherit' })
  if (r.status !== 0) failed++
}
process.exit(failed ? 1 : 0)
