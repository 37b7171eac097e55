// The "FINDNODE before the bond is complete on the other side" race: we answered the node's PING
// (so we believe it holds a proof of us) but our PONG never counted there (lost, or late after
// its reply deadline), so it drops our FINDNODE as unverified. Until the fix, nothing but a
// revalidation PING of ours repaired that, and a fresh node's bootstrap lookups came back empty.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { publicKey64 } from '../../../src/crypto/index.js'
import { Discv4Error, type Discv4Service, RESPONSE_TIMEOUT_MS } from '../../../src/discv4/index.js'
import { toHex } from '../../../src/util/bytes.js'
import { keyOf, Net, nodeOf, within } from './net.js'

/** Packet type byte of a discv4 datagram (after hash and signature). */
const TYPE_OFFSET = 97
const PONG = 0x02

/** Drop the next `count` PONGs that port `to` receives from port `from`. */
function losePongs(net: Net, to: number, from: number, count = 1): void {
  const h = net.handlers.get(to)
  assert.ok(h)
  let left = count
  net.handlers.set(to, (b, src) => {
    if (left > 0 && src.port === from && b[TYPE_OFFSET] === PONG) {
      left--
      return true
    }
    return h(b, src)
  })
}

/** No enr-seq in PING and PONG: otherwise the record fetch it triggers would heal the bond first. */
const quiet = { enrSeq: () => undefined }

/**
 * Leave service `a` (number `ia` of the net) believing `b` (number `ib`) knows it, while `b` holds
 * no proof of `a`: `b` pings `a`, `a`'s PONG is lost, `a` pings back and bonds its side.
 */
async function halfBond(net: Net, a: Discv4Service, ia: number, b: Discv4Service, ib: number): Promise<void> {
  losePongs(net, 30000 + ib, 30000 + ia)
  await assert.rejects(
    within(net, b.ping(nodeOf(ia))),
    (e: unknown) => e instanceof Discv4Error && e.code === 'TIMEOUT',
  )
  await net.flush()
  const now = net.clock.now()
  const ka = toHex(a.localId)
  const kb = toHex(b.localId)
  assert.equal(a.core.proofs.knowsUs(kb, '127.0.0.1', now), true, 'a answered b’s PING')
  assert.equal(a.core.proofs.verified(kb, '127.0.0.1', now), true, 'b answered a’s PING')
  assert.equal(b.core.proofs.verified(ka, '127.0.0.1', now), false, 'b never got a’s PONG')
}

describe('discv4 bonding races', () => {
  test('a FINDNODE refused for a lost PONG is retried once after a fresh PING exchange, and answered', async () => {
    const net = new Net()
    const a = net.service(1)
    const b = net.service(2, quiet)
    const c = net.service(3)
    await within(net, c.ping(nodeOf(2))) // b knows c, live
    await halfBond(net, a, 1, b, 2)
    const found = await within(net, a.findNode(nodeOf(2), publicKey64(keyOf(3))))
    assert.deepEqual(
      found.map((n) => n.udp),
      [30003],
    )
    assert.equal(b.dropped.get('unverified'), 1, 'the first FINDNODE was refused')
    assert.equal(b.core.proofs.verified(toHex(a.localId), '127.0.0.1', net.clock.now()), true)
    // Bonded now: the next FINDNODE goes straight through.
    const again = await within(net, a.findNode(nodeOf(2), publicKey64(keyOf(3))))
    assert.equal(again.length, 1)
    assert.equal(b.dropped.get('unverified'), 1)
    for (const s of [a, b, c]) await s.close()
  })

  test('ENRREQUEST gets the same retry', async () => {
    const net = new Net()
    const a = net.service(1)
    const b = net.service(2, quiet)
    await halfBond(net, a, 1, b, 2)
    const enr = await within(net, a.requestEnr(nodeOf(2)))
    assert.equal(enr.udp, 30002)
    assert.equal(b.dropped.get('unverified'), 1)
    for (const s of [a, b]) await s.close()
  })

  test('a fresh node whose PONG to the bootnode was lost still fills its table in its first refresh', async () => {
    const net = new Net()
    const boot = net.service(0, quiet)
    const others = [2, 3, 4, 5].map((i) => net.service(i, { bootnodes: [nodeOf(0)] }))
    for (const s of others) s.start()
    await net.run(2000)
    const a = net.service(1, { bootnodes: [nodeOf(0)] })
    // The bootnode pings a first (as after a lookup that listed it), a's PONG is lost.
    await halfBond(net, a, 1, boot, 0)
    a.start()
    await net.run(1500) // well under REFRESH_RETRY_MS: the first refresh must do it
    assert.equal(a.table.size, 5, `a knows ${a.table.size} of 5`)
    for (const s of [boot, a, ...others]) await s.close()
    assert.equal(net.clock.pending, 0)
  })

  test('a node that never answers costs one FINDNODE timeout, plus one PING timeout only when we thought it bonded', async () => {
    const net = new Net()
    const a = net.service(1)
    const b = net.service(2, quiet)
    await halfBond(net, a, 1, b, 2)
    net.handlers.delete(30002) // b goes away
    const t0 = net.clock.now()
    await assert.rejects(
      within(net, a.findNode(nodeOf(2), publicKey64(keyOf(3)))),
      (e: unknown) => e instanceof Discv4Error && e.code === 'TIMEOUT',
    )
    const spent = net.clock.now() - t0
    assert.ok(spent <= 3 * RESPONSE_TIMEOUT_MS + 200, `took ${spent} ms`)
    // A node we never bonded with: PING timeout only, no FINDNODE and no retry.
    const t1 = net.clock.now()
    await assert.rejects(within(net, a.findNode(nodeOf(7), publicKey64(keyOf(3)))))
    assert.ok(net.clock.now() - t1 <= RESPONSE_TIMEOUT_MS + 200)
    for (const s of [a, b]) await s.close()
    assert.equal(net.clock.pending, 0)
  })
})
