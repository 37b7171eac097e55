#!/usr/bin/env node
// Runs every compiled test file under dist/test with Node's built-in runner.
// Usage: node scripts/run-tests.mjs [substring filter]
import { spawnSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

function find(dir) {
  const out = []
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) out.push(...find(p))
    else if (name.endsWith('.test.js')) out.push(p)
  }
  return out
}

const filter = process.argv[2]
const files = find('dist/test')
  .filter((f) => !filter || f.includes(filter))
  .sort()
if (files.length === 0) {
  console.error('no test files found under dist/test (run npm run build first)')
  process.exit(1)
}
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=2', '--test-timeout=300000', ...files], {
  stdio: 'inherit',
})
process.exit(r.status ?? 1)
