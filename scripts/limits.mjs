#!/usr/bin/env node
// Writes docs/limits.md: every exported UPPER_CASE constant of src/ with its TSDoc (which says
// where the value comes from), grouped by folder. Run: npm run docs:limits
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'

function files(dir) {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n)
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : []
  })
}

const re = /\/\*\*((?:(?!\*\/)[\s\S])*?)\*\/\s*export const ([A-Z][A-Z0-9_]+)(?::[^=]+)?\s*=\s*([^\n]+)/g
const groups = new Map()
for (const f of files('src').sort()) {
  const src = readFileSync(f, 'utf8')
  for (const m of src.matchAll(re)) {
    const value = m[3].trim().replace(/,$/, '')
    if (value.length > 48 || value.startsWith('{') || value.startsWith('[')) continue
    const doc = m[1]
      .split('\n')
      .map((l) => l.trim().replace(/^\*\s?/, ''))
      .join(' ')
      .replace(/\s+/g, ' ')
      .trim()
      .replace(/\|/g, '\\|')
    const folder = relative('src', f).split('/')[0].replace(/\.ts$/, '')
    if (!groups.has(folder)) groups.set(folder, [])
    groups.get(folder).push(`| \`${m[2]}\` | \`${value.replace(/\|/g, '\\|')}\` | ${doc} | \`${relative('.', f)}\` |`)
  }
}
const out = [
  '# Limits',
  '',
  'Every bound eth-p2p puts on untrusted input, queues, caches and timers, with its default and where the',
  'value comes from. Generated from the TSDoc of the constants by `npm run docs:limits`; do not edit by hand.',
  '',
]
for (const [folder, rows] of groups) {
  out.push(`## ${folder}`, '', '| constant | value | what and why | file |', '| --- | --- | --- | --- |', ...rows, '')
}
writeFileSync('docs/limits.md', out.join('\n'))
console.log(`docs/limits.md: ${[...groups.values()].reduce((s, r) => s + r.length, 0)} constants`)
