import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { DistinctNetSet, isUnspecifiedIp, parseTableIp, subnetKey } from '../../../src/kademlia/index.js'

const ip = (s: string): Uint8Array => {
  const r = parseTableIp(s)
  assert.ok(r, `parse ${s}`)
  return r
}

describe('parseTableIp', () => {
  test('This test checks that IPv4 and IPv6 text parse, and IPv4-mapped IPv6 comes back as IPv4.', () => {
    assert.deepEqual([...ip('1.2.3.4')], [1, 2, 3, 4])
    assert.equal(ip('2001:db8::1').length, 16)
    assert.deepEqual([...ip('::ffff:10.0.0.1')], [10, 0, 0, 1])
    assert.deepEqual([...ip('::FFFF:0a00:0001')], [10, 0, 0, 1])
    for (const bad of ['', '1.2.3', '256.1.1.1', '01.2.3.4', '1::2::3', 'x'.repeat(100)]) {
      assert.equal(parseTableIp(bad), undefined, bad)
    }
  })
  test('This test checks that only all-zero addresses are unspecified.', () => {
    assert.equal(isUnspecifiedIp(ip('0.0.0.0')), true)
    assert.equal(isUnspecifiedIp(ip('::')), true)
    assert.equal(isUnspecifiedIp(ip('0.0.0.1')), false)
  })
  test('This test checks subnet keys for whole and partial bytes in both families.', () => {
    assert.equal(subnetKey(ip('10.11.12.13'), 24), 0x0a0b0c00)
    assert.equal(subnetKey(ip('10.11.12.13'), 20), 0x0a0b0000)
    assert.equal(subnetKey(ip('10.11.255.13'), 20), 0x0a0bf000)
    assert.equal(subnetKey(ip('10.11.255.13'), 32), 0x0a0bff0d)
    assert.equal(subnetKey(ip('200.11.255.13'), 0), 0)
    assert.equal(subnetKey(ip('2001:db8::1'), 24), '6:20010d')
    assert.equal(subnetKey(ip('2001:db8::1'), 20), '6:2001/0')
    assert.notEqual(subnetKey(ip('10.11.12.13'), 24), subnetKey(ip('10.11.13.13'), 24))
  })
})

describe('DistinctNetSet', () => {
  test('This test checks that at most `limit` addresses per subnet are counted and removal frees a slot.', () => {
    const s = new DistinctNetSet({ limit: 2, ipv4Bits: 24, ipv6Bits: 24 })
    assert.equal(s.add(ip('1.2.3.1')), true)
    assert.equal(s.add(ip('1.2.3.2')), true)
    assert.equal(s.canAdd(ip('1.2.3.3')), false)
    assert.equal(s.add(ip('1.2.3.3')), false)
    assert.equal(s.add(ip('1.2.4.1')), true)
    assert.equal(s.count(ip('1.2.3.200')), 2)
    assert.equal(s.size, 3)
    s.remove(ip('1.2.3.9'))
    assert.equal(s.add(ip('1.2.3.3')), true)
    s.remove(ip('9.9.9.9')) // not counted: no-op
    assert.equal(s.size, 3)
  })
  test('This test checks that IPv6 addresses are grouped by the configured prefix.', () => {
    const s24 = new DistinctNetSet({ limit: 1, ipv4Bits: 24, ipv6Bits: 24 })
    assert.equal(s24.add(ip('2a01:4f8:1::1')), true)
    assert.equal(s24.add(ip('2a01:4ff:9::1')), false) // same /24
    const s64 = new DistinctNetSet({ limit: 1, ipv4Bits: 24, ipv6Bits: 64 })
    assert.equal(s64.add(ip('2a01:4f8:1:2::1')), true)
    assert.equal(s64.add(ip('2a01:4f8:1:2::99')), false)
    assert.equal(s64.add(ip('2a01:4f8:1:3::1')), true)
  })
  test('This test checks that bad prefix lengths are refused at construction.', () => {
    assert.throws(() => new DistinctNetSet({ limit: 1, ipv4Bits: 33, ipv6Bits: 24 }), RangeError)
    assert.throws(() => new DistinctNetSet({ limit: 1, ipv4Bits: 24, ipv6Bits: 129 }), RangeError)
  })
})
