import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { serveMetrics } from '../../../src/metrics/http.js'
import { MetricsRegistry } from '../../../src/metrics/registry.js'
import { Netlist, NetlistError } from '../../../src/server/netlist.js'
import { InboundThrottle } from '../../../src/server/throttle.js'

describe('listener limits', () => {
  test('netrestrict lists match by prefix, IPv4 and IPv6', () => {
    const l = Netlist.parse('10.0.0.0/8, 192.168.1.0/24,2001:db8::/32,127.0.0.1/32')
    assert.ok(l.contains('10.200.1.1'))
    assert.ok(l.contains('192.168.1.77'))
    assert.ok(!l.contains('192.168.2.1'))
    assert.ok(l.contains('2001:db8:1::5'))
    assert.ok(!l.contains('2001:db9::1'))
    assert.ok(l.contains('::ffff:10.0.0.1'))
    assert.ok(l.contains('127.0.0.1'))
    assert.ok(!l.contains('127.0.0.2'))
    assert.ok(Netlist.parse('172.16.0.0/12').contains('172.31.255.255'))
    assert.throws(() => Netlist.parse('10.0.0.0/33'), NetlistError)
    assert.throws(() => Netlist.parse('nope/8'), NetlistError)
  })
  test('inbound throttle: one attempt per IP per window, LAN exempt, bounded', () => {
    const t = new InboundThrottle(30_000, 10)
    assert.ok(t.allow('8.8.8.8', 0))
    assert.ok(!t.allow('8.8.8.8', 29_999))
    assert.ok(t.allow('8.8.8.8', 30_000))
    for (let i = 0; i < 5; i++) assert.ok(t.allow('127.0.0.1', i))
    assert.ok(t.allow('192.168.0.1', 1) && t.allow('192.168.0.1', 2))
  })
  test('metrics endpoint serves the Prometheus text format', async () => {
    const reg = new MetricsRegistry()
    reg.counter('ethp2p_test_total', 'a test counter').inc({ reason: 'x' }, 3)
    const srv = await serveMetrics(reg, '127.0.0.1', 0)
    const text = await (
      await fetch(`http://127.0.0.1:${srv.port}/metrics`, { signal: AbortSignal.timeout(5000) })
    ).text()
    assert.match(text, /# TYPE ethp2p_test_total counter/)
    assert.match(text, /ethp2p_test_total\{reason="x"\} 3/)
    await srv.close()
  })
})
