import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { BACKOFF_BASE_MS, BACKOFF_MAX_MS, DialHistory } from '../../../src/server/backoff.js'
import { fairMix } from '../../../src/server/fairmix.js'

describe('dial backoff', () => {
  test('waits by class, doubling on repeats, capped, cleared on success', () => {
    const h = new DialHistory()
    assert.ok(h.canDial('a', 0))
    assert.equal(h.fail('a', 'unreachable', 0), BACKOFF_BASE_MS.unreachable)
    assert.ok(!h.canDial('a', BACKOFF_BASE_MS.unreachable - 1))
    assert.ok(h.canDial('a', BACKOFF_BASE_MS.unreachable))
    assert.equal(h.fail('a', 'unreachable', 0), 2 * BACKOFF_BASE_MS.unreachable)
    assert.equal(h.fail('a', 'breach', 0), BACKOFF_BASE_MS.breach)
    for (let i = 0; i < 30; i++) h.fail('a', 'breach', 0)
    assert.equal(h.nextDial('a', 0), BACKOFF_MAX_MS)
    h.succeed('a')
    assert.ok(h.canDial('a', 0))
  })
  test('history is bounded', () => {
    const h = new DialHistory(100)
    for (let i = 0; i < 1000; i++) h.fail(String(i), 'useless', 0)
    assert.equal(h.size, 100)
  })
})

async function* gen<T>(items: T[], delayMs = 0) {
  for (const x of items) {
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs))
    yield x
  }
}

describe('fair mix of candidate sources', () => {
  test('takes turns between sources and ends when all end', async () => {
    const out: string[] = []
    const ctl = new AbortController()
    for await (const { source, value } of fairMix(
      [
        { name: 'a', iter: gen([1, 2, 3]) },
        { name: 'b', iter: gen([1, 2]) },
      ],
      { signal: ctl.signal },
    ))
      out.push(`${source}${value}`)
    assert.deepEqual(out, ['a1', 'b1', 'a2', 'b2', 'a3'])
  })
  test('a slow source loses its turn but its value is not lost; abort stops the mix', async () => {
    const out: string[] = []
    const ctl = new AbortController()
    for await (const { source, value } of fairMix(
      [
        { name: 'slow', iter: gen([1], 60) },
        { name: 'fast', iter: gen([1, 2, 3, 4, 5, 6]) },
      ],
      { signal: ctl.signal, timeoutMs: 10 },
    )) {
      out.push(`${source}${value}`)
      if (out.length === 7) ctl.abort()
    }
    assert.ok(out.includes('slow1'))
    assert.equal(out.filter((x) => x.startsWith('fast')).length, 6)
  })
})
