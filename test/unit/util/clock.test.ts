import assert from 'node:assert/strict'
import { createSocket } from 'node:dgram'
import { once } from 'node:events'
import { test } from 'node:test'
import { systemClock, VirtualClock } from '../../../src/util/clock.js'

test('VirtualClock fires timers by due time then creation order, including ones set while advancing', () => {
  const clock = new VirtualClock(100)
  const fired: string[] = []
  const at = (name: string) => () => fired.push(`${name}@${clock.now()}`)
  // Many timers in scrambled order: the heap must give them back sorted.
  for (let i = 0; i < 200; i++) clock.setTimer((i * 7919) % 50, at(`t${i}`))
  clock.setTimer(10, () => {
    fired.push(`nested-parent@${clock.now()}`)
    clock.setTimer(5, at('nested-child'))
    clock.setTimer(0, at('nested-now'))
  })
  const cancelled = clock.setTimer(20, at('cancelled'))
  cancelled.cancel()
  assert.equal(clock.pending, 201)
  clock.advance(30)
  assert.equal(clock.now(), 130)
  const times = fired.map((f) => Number(f.split('@')[1]))
  assert.deepEqual(
    times,
    [...times].sort((a, b) => a - b),
    'fired out of time order',
  )
  assert.ok(!fired.some((f) => f.startsWith('cancelled')))
  assert.ok(fired.includes('nested-child@115') && fired.includes('nested-now@110'))
  const sameTime = fired.filter((f) => f.endsWith('@100')).map((f) => Number(f.slice(1, f.indexOf('@'))))
  assert.deepEqual(
    sameTime,
    [...sameTime].sort((a, b) => a - b),
    'equal due times must fire in creation order',
  )
  clock.advance(100)
  assert.equal(clock.pending, 0)
  assert.equal(fired.length, 203)
})

test('VirtualClock timeoutSignal aborts with a TimeoutError only when time reaches it', () => {
  const clock = new VirtualClock()
  const signal = clock.timeoutSignal(1000)
  clock.advance(999)
  assert.equal(signal.aborted, false)
  clock.advance(1)
  assert.equal(signal.aborted, true)
  assert.equal((signal.reason as DOMException).name, 'TimeoutError')
})

test('systemClock: a timer that fell due while the loop was busy runs after the datagram that came before it', async () => {
  for (let i = 0; i < 5; i++) {
    const rx = createSocket('udp4').bind(0, '127.0.0.1')
    const tx = createSocket('udp4').bind(0, '127.0.0.1')
    await Promise.all([once(rx, 'listening'), once(tx, 'listening')])
    const order: string[] = []
    const read = new Promise<void>((r) => rx.once('message', () => r(void order.push('datagram'))))
    await new Promise<void>((r) => tx.send(Uint8Array.of(1), rx.address().port, '127.0.0.1', () => r()))
    const fired = new Promise<void>((r) => systemClock.setTimer(5, () => r(void order.push('timer'))))
    const until = performance.now() + 30
    while (performance.now() < until) {} // busy past the deadline, the datagram waiting in the socket
    await Promise.all([read, fired])
    assert.deepEqual(order, ['datagram', 'timer'], 'Node runs due timers before it polls; ours defer to after the poll')
    rx.close()
    tx.close()
  }
})

test('systemClock: a cancelled timer never fires, also when cancelled between its timeout and its turn', async () => {
  let fired = 0
  systemClock.setTimer(1, () => fired++).cancel()
  const t = systemClock.setTimer(1, () => fired++)
  // Both fall due in one timers phase: t's timeout queues its call, then this cancels it.
  setTimeout(() => t.cancel(), 2)
  const until = performance.now() + 10
  while (performance.now() < until) {}
  await new Promise<void>((r) => setTimeout(r, 20))
  assert.equal(fired, 0)
})
