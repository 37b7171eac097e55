import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { Discv4Core } from '../../../src/discv4/core.js'
import { BOND_EXPIRATION_MS, EndpointProofs } from '../../../src/discv4/proof.js'
import { LATE_PONG_GRACE_MS, MAX_FINDNODE_RESULTS, ReplyMatcher } from '../../../src/discv4/replies.js'
import type { DecodedPacket } from '../../../src/discv4/wire/codec.js'
import type { NeighborNode, Packet } from '../../../src/discv4/wire/packets.js'

const A = 'aa'.repeat(32)
const IP = '10.0.0.1'
const OTHER_IP = '10.0.0.2'
const T0 = 1_000_000
const tok = (b: number) => new Uint8Array(32).fill(b)
const nodes = (n: number): NeighborNode[] =>
  Array.from({ length: n }, (_, i) => ({ ip: '1.2.3.4', udp: i + 1, tcp: 0, publicKey: new Uint8Array(64).fill(i) }))

const pong = (t: Uint8Array): Packet => ({ kind: 'pong', to: { ip: IP, udp: 1, tcp: 0 }, replyToken: t, expiration: 0 })
const neighbors = (n: number): Packet => ({ kind: 'neighbors', nodes: nodes(n), expiration: 0 })
const decoded = (packet: Packet, hash = tok(0xee)): DecodedPacket => ({
  packet,
  fromKey: new Uint8Array(64),
  fromId: new Uint8Array(32),
  hash,
})
const ping = decoded({
  kind: 'ping',
  version: 4,
  from: { ip: IP, udp: 1, tcp: 1 },
  to: { ip: '10.9.9.9', udp: 2, tcp: 0 },
  expiration: 0,
})
const findnode = decoded({ kind: 'findnode', target: new Uint8Array(64), expiration: 0 })
const enrrequest = decoded({ kind: 'enrrequest', expiration: 0 })

describe('discv4 endpoint proofs', () => {
  test('a node is verified only after answering our PING, only at that IP, and only for 24 h', () => {
    const p = new EndpointProofs()
    assert.equal(p.verified(A, IP, T0), false)
    p.pongReceived(A, IP, T0)
    assert.equal(p.verified(A, IP, T0), true)
    assert.equal(p.verified(A, OTHER_IP, T0), false)
    assert.equal(p.verified('bb'.repeat(32), IP, T0), false)
    assert.equal(p.verified(A, IP, T0 + BOND_EXPIRATION_MS - 1), true)
    assert.equal(p.verified(A, IP, T0 + BOND_EXPIRATION_MS), false)
  })

  test('bonded needs both directions: it answered our PING and we answered its PING', () => {
    const p = new EndpointProofs()
    p.pongReceived(A, IP, T0)
    assert.equal(p.bonded(A, IP, T0), false)
    assert.equal(p.knowsUs(A, IP, T0), false)
    p.pingReceived(A, IP, T0 + 5)
    assert.equal(p.knowsUs(A, IP, T0 + 5), true)
    assert.equal(p.bonded(A, IP, T0 + 5), true)
    assert.equal(p.bonded(A, OTHER_IP, T0 + 5), false)
    assert.equal(p.bonded(A, IP, T0 + BOND_EXPIRATION_MS), false) // the PONG side lapsed first
  })

  test('knowsUs is a belief: an unanswered query withdraws it, an answered one restores it', () => {
    const p = new EndpointProofs()
    p.pingReceived(A, IP, T0)
    assert.equal(p.knowsUs(A, IP, T0), true)
    p.doubtUs(A, IP)
    assert.equal(p.knowsUs(A, IP, T0), false)
    p.answeredUs(A, IP, T0 + 5)
    assert.equal(p.knowsUs(A, IP, T0 + 5), true)
    assert.equal(p.knowsUs(A, IP, T0 + 5 + BOND_EXPIRATION_MS), false)
    p.doubtUs('bb', IP) // unknown pair: nothing to withdraw, nothing created
    assert.equal(p.size, 1)
  })

  test('the table is bounded: the least recently used pair is forgotten', () => {
    const p = new EndpointProofs(3)
    for (let i = 0; i < 4; i++) p.pongReceived(`n${i}`, IP, T0)
    assert.equal(p.size, 3)
    assert.equal(p.verified('n0', IP, T0), false)
    assert.equal(p.verified('n3', IP, T0), true)
    p.forget('n3', IP)
    assert.equal(p.verified('n3', IP, T0), false)
  })
})

describe('discv4 reply matcher', () => {
  test('a PONG matches only with the PING hash as reply token, from the pinged node and IP', () => {
    const m = new ReplyMatcher<string>()
    const e = m.expect(A, IP, 'pong', T0 + 500, tok(1), 'ping-1')
    assert.equal(typeof e, 'object')
    assert.equal(m.match(A, IP, pong(tok(2))), undefined)
    assert.equal(m.match(A, OTHER_IP, pong(tok(1))), undefined)
    assert.equal(m.match('bb'.repeat(32), IP, pong(tok(1))), undefined)
    assert.equal(m.size, 1)
    const r = m.match(A, IP, pong(tok(1)))
    assert.equal(r?.pending.ctx, 'ping-1')
    assert.equal(r?.done, true)
    assert.equal(m.size, 0)
    assert.equal(m.match(A, IP, pong(tok(1))), undefined) // a replayed PONG matches nothing
  })

  test(`NEIGHBORS accumulate up to ${MAX_FINDNODE_RESULTS} nodes per FINDNODE, the excess is cut`, () => {
    const m = new ReplyMatcher<string>()
    m.expect(A, IP, 'neighbors', T0 + 500, undefined, 'find')
    const first = m.match(A, IP, neighbors(12))
    assert.deepEqual([first?.done, first?.nodes.length], [false, 12])
    const second = m.match(A, IP, neighbors(12))
    assert.deepEqual([second?.done, second?.nodes.length], [true, 4])
    assert.equal(m.match(A, IP, neighbors(12)), undefined)
  })

  test('unsolicited NEIGHBORS and ENRRESPONSE match nothing; requests of other kinds never match', () => {
    const m = new ReplyMatcher<string>()
    assert.equal(m.match(A, IP, neighbors(3)), undefined)
    m.expect(A, IP, 'pong', T0, tok(1), 'p')
    assert.equal(m.match(A, IP, neighbors(3)), undefined)
    assert.equal(m.match(A, IP, { kind: 'enrresponse', replyToken: tok(1), record: new Uint8Array(0) }), undefined)
    assert.equal(m.match(A, IP, { kind: 'enrrequest', expiration: 0 }), undefined)
  })

  test('deadlines: expired requests are returned earliest first and removed', () => {
    const m = new ReplyMatcher<string>()
    m.expect(A, IP, 'pong', T0 + 300, tok(1), 'late')
    m.expect(A, IP, 'neighbors', T0 + 100, undefined, 'early')
    m.expect(A, IP, 'enrresponse', T0 + 900, tok(3), 'later')
    assert.equal(m.nextDeadline(), T0 + 100)
    assert.deepEqual(m.popExpired(T0 + 99), [])
    assert.deepEqual(
      m.popExpired(T0 + 300).map((p) => p.ctx),
      ['early', 'late'],
    )
    assert.equal(m.nextDeadline(), T0 + 900)
    assert.equal(m.match(A, IP, pong(tok(1))), undefined)
    assert.deepEqual(
      m.clear().map((p) => p.ctx),
      ['later'],
    )
    assert.equal(m.nextDeadline(), undefined)
  })

  test('bounded: refuses past the global cap and past the per-key cap; cancel frees a slot', () => {
    const m = new ReplyMatcher<number>(3, 2)
    const a = m.expect(A, IP, 'pong', T0, tok(1), 1)
    m.expect(A, IP, 'pong', T0, tok(2), 2)
    assert.equal(m.expect(A, IP, 'pong', T0, tok(3), 3), 'busy')
    m.expect(A, OTHER_IP, 'pong', T0, tok(3), 3)
    assert.equal(m.expect('cc', IP, 'pong', T0, tok(4), 4), 'full')
    assert.ok(typeof a === 'object')
    assert.equal(m.cancel(a.id)?.ctx, 1)
    assert.equal(typeof m.expect('cc', IP, 'pong', T0, tok(4), 4), 'object')
  })
})

describe('discv4 inbound rules', () => {
  test('FINDNODE and ENRREQUEST from an unbonded node get nothing', () => {
    const c = new Discv4Core<string>()
    assert.deepEqual(c.receive(findnode, A, IP, T0), { kind: 'drop', reason: 'unverified' })
    assert.deepEqual(c.receive(enrrequest, A, IP, T0), { kind: 'drop', reason: 'unverified' })
    // Its PING alone does not verify it: a PING can come from a spoofed source.
    c.receive(ping, A, IP, T0)
    assert.deepEqual(c.receive(findnode, A, IP, T0), { kind: 'drop', reason: 'unverified' })
  })

  test('PING is answered and pinged back until the node proved its endpoint; then requests are answered', () => {
    const c = new Discv4Core<string>()
    // A -> us  PING        us -> A  PONG + PING (we do not know A yet)
    assert.deepEqual(c.receive(ping, A, IP, T0), { kind: 'answer-ping', pingBack: true })
    c.replies.expect(A, IP, 'pong', T0 + 500, tok(9), 'our-ping')
    // A second PING while ours is in flight does not trigger another.
    assert.deepEqual(c.receive(ping, A, IP, T0 + 1), { kind: 'answer-ping', pingBack: false })
    // A -> us  PONG(our ping hash)
    const r = c.receive(decoded(pong(tok(9))), A, IP, T0 + 10)
    assert.equal(r.kind, 'reply')
    assert.equal(c.proofs.bonded(A, IP, T0 + 10), true)
    assert.deepEqual(c.receive(ping, A, IP, T0 + 20), { kind: 'answer-ping', pingBack: false })
    assert.deepEqual(c.receive(findnode, A, IP, T0 + 20), { kind: 'answer-findnode', target: new Uint8Array(64) })
    assert.deepEqual(c.receive(enrrequest, A, IP, T0 + 20), { kind: 'answer-enrrequest' })
    // 24 hours later the proof has lapsed.
    const later = T0 + 10 + BOND_EXPIRATION_MS
    assert.deepEqual(c.receive(findnode, A, IP, later), { kind: 'drop', reason: 'unverified' })
  })

  test('a PONG whose reply token does not match proves nothing', () => {
    const c = new Discv4Core<string>()
    c.replies.expect(A, IP, 'pong', T0 + 500, tok(9), 'our-ping')
    assert.deepEqual(c.receive(decoded(pong(tok(8))), A, IP, T0), { kind: 'drop', reason: 'unsolicited' })
    assert.equal(c.proofs.verified(A, IP, T0), false)
    assert.deepEqual(c.receive(findnode, A, IP, T0), { kind: 'drop', reason: 'unverified' })
    assert.equal(c.replies.size, 1) // the real answer can still come
  })

  test('FINDNODE from an IP other than the bonded one gets nothing (amplification defence)', () => {
    const c = new Discv4Core<string>()
    c.replies.expect(A, IP, 'pong', T0 + 500, tok(9), 'our-ping')
    c.receive(decoded(pong(tok(9))), A, IP, T0)
    assert.equal(c.receive(findnode, A, IP, T0).kind, 'answer-findnode')
    assert.deepEqual(c.receive(findnode, A, OTHER_IP, T0), { kind: 'drop', reason: 'unverified' })
    assert.deepEqual(c.receive(enrrequest, A, OTHER_IP, T0), { kind: 'drop', reason: 'unverified' })
  })

  test('a PONG after its PING timed out proves the endpoint within the grace time, once, with the right token and IP only', () => {
    const c = new Discv4Core<string>()
    c.replies.expect(A, IP, 'pong', T0 + 500, tok(9), 'our-ping')
    assert.equal(c.replies.popExpired(T0 + 500).length, 1)
    // Wrong token, wrong IP: nothing.
    assert.deepEqual(c.receive(decoded(pong(tok(8))), A, IP, T0 + 600), { kind: 'drop', reason: 'unsolicited' })
    assert.deepEqual(c.receive(decoded(pong(tok(9))), A, OTHER_IP, T0 + 600), { kind: 'drop', reason: 'unsolicited' })
    assert.equal(c.proofs.verified(A, IP, T0 + 600), false)
    // The right one, late: counted as late, settles nothing, but A may now ask us.
    assert.deepEqual(c.receive(decoded(pong(tok(9))), A, IP, T0 + 700), { kind: 'drop', reason: 'late-pong' })
    assert.equal(c.proofs.verified(A, IP, T0 + 700), true)
    assert.equal(c.receive(findnode, A, IP, T0 + 700).kind, 'answer-findnode')
    // A replay of it is unsolicited.
    assert.deepEqual(c.receive(decoded(pong(tok(9))), A, IP, T0 + 800), { kind: 'drop', reason: 'unsolicited' })
    // Past the grace time: too late.
    const d = new Discv4Core<string>()
    d.replies.expect(A, IP, 'pong', T0 + 500, tok(9), 'our-ping')
    d.replies.popExpired(T0 + 500)
    const tooLate = T0 + 501 + LATE_PONG_GRACE_MS
    assert.deepEqual(d.receive(decoded(pong(tok(9))), A, IP, tooLate), { kind: 'drop', reason: 'unsolicited' })
    assert.equal(d.proofs.verified(A, IP, tooLate), false)
  })

  test('a PONG from another IP than the one we pinged proves nothing', () => {
    const c = new Discv4Core<string>()
    c.replies.expect(A, IP, 'pong', T0 + 500, tok(9), 'our-ping')
    assert.deepEqual(c.receive(decoded(pong(tok(9))), A, OTHER_IP, T0), { kind: 'drop', reason: 'unsolicited' })
    assert.equal(c.proofs.verified(A, OTHER_IP, T0), false)
  })

  test('unsolicited NEIGHBORS are dropped, so they never enter the table', () => {
    const c = new Discv4Core<string>()
    assert.deepEqual(c.receive(decoded(neighbors(5)), A, IP, T0), { kind: 'drop', reason: 'unsolicited' })
    c.replies.expect(A, IP, 'neighbors', T0 + 500, undefined, 'find')
    const r = c.receive(decoded(neighbors(5)), A, IP, T0)
    assert.equal(r.kind === 'reply' && r.nodes.length, 5)
    // From the right node but another IP: unsolicited.
    assert.deepEqual(c.receive(decoded(neighbors(5)), A, OTHER_IP, T0), { kind: 'drop', reason: 'unsolicited' })
  })

  test('ENRRESPONSE is accepted only with our ENRREQUEST hash', () => {
    const c = new Discv4Core<string>()
    const resp = (t: Uint8Array) => decoded({ kind: 'enrresponse', replyToken: t, record: new Uint8Array([0xc0]) })
    assert.deepEqual(c.receive(resp(tok(4)), A, IP, T0), { kind: 'drop', reason: 'unsolicited' })
    c.replies.expect(A, IP, 'enrresponse', T0 + 500, tok(4), 'enr')
    assert.deepEqual(c.receive(resp(tok(5)), A, IP, T0), { kind: 'drop', reason: 'unsolicited' })
    const r = c.receive(resp(tok(4)), A, IP, T0)
    assert.equal(r.kind === 'reply' && r.pending.ctx, 'enr')
  })
})
