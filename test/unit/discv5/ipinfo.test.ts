// IP text classification for the relay and rate-limit rules (go-ethereum netutil CheckRelayIP).
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { ipInfo } from '../../../src/discv5/ipinfo.js'
import { checkRelayIp } from '../../../src/discv5/node.js'

describe('discv5 ipInfo and checkRelayIp', () => {
  test('normalised text and class, memoised', () => {
    assert.deepEqual(ipInfo('::ffff:127.0.0.1'), { text: '127.0.0.1', cls: 'loopback' })
    assert.deepEqual(ipInfo('::1'), { text: '::1', cls: 'loopback' })
    assert.deepEqual(ipInfo('10.1.2.3'), { text: '10.1.2.3', cls: 'lan' })
    assert.deepEqual(ipInfo('fe80::1'), { text: 'fe80::1', cls: 'lan' })
    assert.deepEqual(ipInfo('2001:0db8:0:0:0:0:0:1'), { text: '2001:db8::1', cls: 'public' })
    assert.deepEqual(ipInfo('0.0.0.0')?.cls, 'special')
    assert.deepEqual(ipInfo('224.0.0.1')?.cls, 'special')
    assert.deepEqual(ipInfo('255.255.255.255')?.cls, 'special')
    assert.deepEqual(ipInfo('ff02::1')?.cls, 'special')
    assert.equal(ipInfo('1.2.3'), undefined)
    assert.equal(ipInfo('not an ip'), undefined)
    assert.equal(ipInfo('8.8.8.8'), ipInfo('8.8.8.8'), 'the same object from the cache')
  })

  test('relay rules: special never; loopback only from loopback; LAN only from LAN or loopback', () => {
    assert.equal(checkRelayIp('8.8.8.8', '1.1.1.1'), true)
    assert.equal(checkRelayIp('8.8.8.8', '0.0.0.0'), false)
    assert.equal(checkRelayIp('127.0.0.1', '224.0.0.1'), false)
    assert.equal(checkRelayIp('8.8.8.8', '127.0.0.1'), false)
    assert.equal(checkRelayIp('10.0.0.1', '127.0.0.1'), false)
    assert.equal(checkRelayIp('127.0.0.1', '127.0.0.2'), true)
    assert.equal(checkRelayIp('8.8.8.8', '192.168.1.1'), false)
    assert.equal(checkRelayIp('10.0.0.1', '192.168.1.1'), true)
    assert.equal(checkRelayIp('127.0.0.1', '192.168.1.1'), true)
    assert.equal(checkRelayIp('192.168.1.1', '8.8.8.8'), true)
    assert.equal(checkRelayIp('junk', '8.8.8.8'), false)
    assert.equal(checkRelayIp('8.8.8.8', 'junk'), false)
  })
})
