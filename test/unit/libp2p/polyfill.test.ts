import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { dirname, join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)
const SRC = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'src')

/** Run `code` as an ES module in a fresh Node process (no Promise.withResolvers beforehand) and return stdout. */
async function fresh(code: string): Promise<string> {
  const prelude = 'delete Promise.withResolvers;'
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', prelude + code], { timeout: 20_000 })
  return stdout.trim()
}

test('This test checks the polyfill installs a working Promise.withResolvers where it is missing', async () => {
  const url = pathToFileURL(join(SRC, 'libp2p', 'polyfill.js')).href
  const out = await fresh(
    `await import('${url}'); const a = Promise.withResolvers(); a.resolve(7); const b = Promise.withResolvers(); b.reject(new Error('x'));` +
      `console.log(await a.promise, await b.promise.catch((e) => e.message), Promise.withResolvers.call(class extends Promise {}).promise.constructor === Promise)`,
  )
  assert.equal(out, '7 x false')
})

test('This test checks every entry that loads libp2p installs it first', async () => {
  const entries = [
    'index.js',
    'libp2p/index.js',
    'libp2p/keys.js',
    'libp2p/enr.js',
    'libp2p/gossip.js',
    'devnet/devnet.js',
  ]
  const outs = await Promise.all(
    entries.map((e) =>
      fresh(`await import('${pathToFileURL(join(SRC, e)).href}'); console.log(typeof Promise.withResolvers)`),
    ),
  )
  assert.deepEqual(
    outs,
    entries.map(() => 'function'),
  )
})
