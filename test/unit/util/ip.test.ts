import assert from 'node:assert/strict'
import { test } from 'node:test'
import { formatIp, isLan, isLoopback, normalizeIp, parseIp, unmapIPv4 } from '../../../src/util/ip.js'

test('IPv4 and IPv6 text round trips in canonical form', () => {
  for (const [input, canon] of [
    ['127.0.0.1', '127.0.0.1'],
    ['::', '::'],
    ['::1', '::1'],
    ['2001:DB8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:db8:3c4d:15::abcd:ef12', '2001:db8:3c4d:15::abcd:ef12'],
    ['fe80::1:2', 'fe80::1:2'],
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
    ['1:0:3:4:5:6:7:8', '1:0:3:4:5:6:7:8'],
  ]) {
    const b = parseIp(input as string)
    assert.ok(b, input)
    assert.equal(formatIp(b), canon)
  }
})

test('malformed addresses are refused', () => {
  for (const bad of [
    '1.2.3',
    '1.2.3.256',
    '01.2.3.4',
    '1.2.3.4.5',
    ':::',
    '1::2::3',
    '12345::',
    'g::',
    '1:2:3:4:5:6:7:8:9',
    '',
  ])
    assert.equal(parseIp(bad), undefined, bad)
})

test('IPv4-mapped IPv6 normalises to IPv4', () => {
  assert.equal(normalizeIp('::ffff:10.0.0.1'), '10.0.0.1')
  assert.equal(formatIp(unmapIPv4(parseIp('::ffff:0a00:0001')!)), '10.0.0.1')
})

test('loopback and LAN ranges', () => {
  assert.ok(isLoopback(parseIp('127.0.0.2')!))
  assert.ok(isLoopback(parseIp('::1')!))
  assert.ok(isLan(parseIp('192.168.1.1')!))
  assert.ok(isLan(parseIp('172.16.0.1')!))
  assert.ok(!isLan(parseIp('172.32.0.1')!))
  assert.ok(isLan(parseIp('fd00::1')!))
  assert.ok(!isLan(parseIp('8.8.8.8')!))
})
