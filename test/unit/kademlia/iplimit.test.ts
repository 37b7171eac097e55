import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { DistinctNetSet, isLanIp, isUnspecifiedIp, parseIp, subnetKey } from '../../../src/kademlia/index.js'

const ip = (s: string): Uint8Array => {
  const r = parseIp(s)
  assert.ok(r, `parse ${s}`)
  return r
}

describe('parseIp', () => {
  test('This test checks that IPv4 and IPv6 text forms parse to the right bytes.', () => {
    assert.deepEqual([...ip('1.2.3.4')], [1, 2, 3, 4])
    assert.deepEqual([...ip('255.255.255.255')], [255, 255, 255, 255])
    assert.deepEqual([...ip('::1')], [...new Array(15).fill(0), 1])
    assert.deepEqual([...ip('::')], new Array(16).fill(0))
    assert.deepEqual(
      [...ip('2001:db8::8:800:200c:417a')],
      [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 8, 8, 0, 0x20, 0x0c, 0x41, 0x7a],
    )
    assert.deepEqual([...ip('fe80::1%eth0')].slice(0, 2), [0xfe, 0x80])
    assert.deepEqual([...ip('1:2:3:4:5:6:7:8')].slice(14), [0, 8])
    assert.deepEqual([...ip('64:ff9b::1.2.3.4')].slice(12), [1, 2, 3, 4])
  })
  test('This test checks that IPv4-mapped IPv6 addresses come back as IPv4.', () => {
    assert.deepEqual([...ip('::ffff:10.0.0.1')], [10, 0, 0, 1])
    assert.deepEqual([...ip('::FFFF:0a00:0001')], [10, 0, 0, 1])
  })
  test('This test checks that malformed addresses are refused.', () => {
    for (const bad of [
      '',
      '1.2.3',
      '1.2.3.4.5',
      '256.1.1.1',
      '01.2.3.4',
      '1.2.3.-1',
      'a.b.c.d',
      ':::',
      '1::2::3',
      '1:2:3:4:5:6:7:8:9',
      '1:2:3:4:5:6:7',
      '::1:2:3:4:5:6:7:8',
      '12345::',
      'g::1',
      '::1.2.3',
      'x'.repeat(100),
    ]) {
      assert.equal(parseIp(bad), undefined, bad)
    }
  })
})

describe('address classes', () => {
  test('This test checks the LAN classes exempted by go-ethereum AddrIsLAN.', () => {
    for (const lan of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '172.31.255.1', '192.168.1.1', '169.254.0.1', '::1']) {
      assert.equal(isLanIp(ip(lan)), true, lan)
    }
    for (const lan of ['fc00::1', 'fd12::1', 'fe80::1', 'febf::1', '::ffff:127.0.0.1'])
      assert.equal(isLanIp(ip(lan)), true, lan)
    for (const wan of ['1.1.1.1', '172.32.0.1', '172.15.0.1', '192.169.0.1', '2001:db8::1', 'fec0::1', '::2']) {
      assert.equal(isLanIp(ip(wan)), false, wan)
    }
  })
  test('This test checks that only all-zero addresses are unspecified.', () => {
    assert.equal(isUnspecifiedIp(ip('0.0.0.0')), true)
    assert.equal(isUnspecifiedIp(ip('::')), true)
    assert.equal(isUnspecifiedIp(ip('0.0.0.1')), false)
  })
  test('This test checks subnet keys for whole and partial bytes.', () => {
    assert.equal(subnetKey(ip('10.11.12.13'), 24), 0x0a0b0c00)
    assert.equal(subnetKey(ip('10.11.12.13'), 20), 0x0a0b0000)
    assert.equal(subnetKey(ip('10.11.255.13'), 20), 0x0a0bf000)
    assert.equal(subnetKey(ip('10.11.255.13'), 32), 0x0a0bff0d)
    assert.equal(subnetKey(ip('200.11.255.13'), 0), 0)
    assert.equal(subnetKey(ip('2001:db8::1'), 20), '6:2001/0')
    assert.equal(subnetKey(ip('2001:db8::1'), 24), '6:20010d')
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
