/** CIDR lists for `--netrestrict` (go-ethereum netutil.Netlist): which remote addresses may connect. */
import { parseIp, unmapIPv4 } from '../util/ip.js'

interface Cidr {
  net: Uint8Array
  bits: number
}

/** Raised for malformed CIDR text. */
export class NetlistError extends Error {
  override name = 'NetlistError'
}

/** A set of networks, e.g. `10.0.0.0/8,192.168.0.0/16,::1/128`. */
export class Netlist {
  private readonly nets: Cidr[] = []

  /** Parse a comma-separated list of CIDRs. Throws {@link NetlistError}. */
  static parse(text: string): Netlist {
    const list = new Netlist()
    for (const part of text
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean))
      list.add(part)
    return list
  }

  add(cidr: string): void {
    const [ipText, bitsText] = cidr.split('/')
    const ip = parseIp(ipText ?? '')
    if (!ip) throw new NetlistError(`invalid network address in '${cidr}'`)
    const net = unmapIPv4(ip)
    const max = net.length * 8
    const bits = bitsText === undefined ? max : Number(bitsText)
    if (!/^\d+$/.test(bitsText ?? String(max)) || bits > max)
      throw new NetlistError(`invalid prefix length in '${cidr}'`)
    this.nets.push({ net, bits })
  }

  get size(): number {
    return this.nets.length
  }

  /** True if `ip` (text) is in one of the networks. */
  contains(ip: string): boolean {
    const b = parseIp(ip)
    if (!b) return false
    const addr = unmapIPv4(b)
    return this.nets.some((c) => c.net.length === addr.length && prefixMatch(c.net, addr, c.bits))
  }

  toString(): string {
    return this.nets.map((c) => `${Array.from(c.net).join(c.net.length === 4 ? '.' : ',')}/${c.bits}`).join(',')
  }
}

function prefixMatch(a: Uint8Array, b: Uint8Array, bits: number): boolean {
  const full = bits >> 3
  for (let i = 0; i < full; i++) if (a[i] !== b[i]) return false
  const rem = bits & 7
  if (rem === 0) return true
  const mask = (0xff << (8 - rem)) & 0xff
  return ((a[full] as number) & mask) === ((b[full] as number) & mask)
}
