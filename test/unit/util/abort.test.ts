import assert from 'node:assert/strict'
import { test } from 'node:test'
import { linkedSignal, raceSignal } from '../../../src/util/abort.js'

/** A signal whose listener count the test can read. */
function counted(signal: AbortSignal): { signal: AbortSignal; listeners: () => number } {
  let n = 0
  const add = signal.addEventListener.bind(signal)
  const remove = signal.removeEventListener.bind(signal)
  signal.addEventListener = ((...a: Parameters<typeof add>) => {
    n++
    add(...a)
  }) as typeof add
  signal.removeEventListener = ((...a: Parameters<typeof remove>) => {
    n--
    remove(...a)
  }) as typeof remove
  return { signal, listeners: () => n }
}

test('raceSignal: the first of several signals to abort wins; a settled race leaves no listener', async () => {
  const long = counted(new AbortController().signal)
  const short = new AbortController()
  const pending = new Promise<number>(() => {})
  const race = raceSignal(pending, long.signal, undefined, short.signal)
  short.abort(new Error('short'))
  await assert.rejects(race, /short/)
  assert.equal(long.listeners(), 0, 'detached from the long-lived signal on abort')
  for (let i = 0; i < 100; i++) assert.equal(await raceSignal(Promise.resolve(i), long.signal), i)
  await assert.rejects(raceSignal(Promise.reject(new Error('own')), long.signal), /own/)
  assert.equal(long.listeners(), 0, 'detached once settled')
  const done = new AbortController()
  done.abort(new Error('already'))
  await assert.rejects(raceSignal(pending, long.signal, done.signal), /already/)
  assert.equal(await raceSignal(Promise.resolve(7)), 7)
})

test('linkedSignal: aborts with any source, at once if one already did; dispose detaches it', () => {
  const a = new AbortController()
  const b = counted(new AbortController().signal)
  const first = linkedSignal(a.signal, undefined, b.signal)
  assert.equal(first.signal.aborted, false)
  a.abort(new Error('a'))
  assert.equal(first.signal.aborted, true)
  assert.match(String(first.signal.reason), /a/)
  assert.equal(b.listeners(), 0, 'an abort detaches from the other sources too')
  const c = new AbortController()
  const second = linkedSignal(c.signal, b.signal)
  second.dispose()
  assert.equal(b.listeners(), 0)
  c.abort()
  assert.equal(second.signal.aborted, false, 'disposed: no longer linked')
  assert.equal(linkedSignal(a.signal).signal.aborted, true)
})
