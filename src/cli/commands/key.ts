/** `eth-p2p key`: generate keys and derive enode URLs and ENRs from them. */
import { writeFileSync } from 'node:fs'
import { Enr, EnrError, formatEnode, generatePrivateKey, parseIp, publicKey64, toHex } from '../../index.js'
import { CliError, type Command, group, parseFlags, portFlag, required } from '../args.js'
import { parsePrivateKeyHex } from '../keys.js'

const generate: Command = {
  name: 'generate',
  summary: 'print a new private key as 64 hex digits (or write it to a file)',
  usage: [
    'Usage: eth-p2p key generate [--out FILE]',
    '',
    'Generates a secp256k1 private key. Prints it as 64 hex digits, or with --out writes it',
    'to FILE with mode 0600 and prints nothing.',
  ].join('\n'),
  async run(argv) {
    const { values } = parseFlags(argv, { out: { type: 'string' } })
    const hex = toHex(generatePrivateKey())
    if (values.out !== undefined) {
      try {
        writeFileSync(values.out, `${hex}\n`, { mode: 0o600, flag: 'wx' })
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code
        throw new CliError(`cannot write ${values.out}: ${code === 'EEXIST' ? 'file exists' : code}`)
      }
    } else {
      process.stdout.write(`${hex}\n`)
    }
    return 0
  },
}

function ipFlag(v: string | undefined, fallback?: string): string | undefined {
  const ip = v ?? fallback
  if (ip !== undefined && !parseIp(ip)) throw new CliError(`--ip must be an IPv4 or IPv6 address, got '${ip}'`)
  return ip
}

const toEnode: Command = {
  name: 'to-enode',
  summary: 'print the enode URL of a key',
  usage: [
    'Usage: eth-p2p key to-enode --key HEX [--ip IP] [--tcp PORT] [--udp PORT]',
    '',
    'Prints enode://<public key>@<ip>:<tcp>[?discport=<udp>]. Defaults: ip 127.0.0.1, tcp 30303, udp = tcp.',
  ].join('\n'),
  async run(argv) {
    const { values } = parseFlags(argv, {
      key: { type: 'string' },
      ip: { type: 'string' },
      tcp: { type: 'string' },
      udp: { type: 'string' },
    })
    const key = parsePrivateKeyHex(required(values.key, 'key'))
    const tcp = portFlag(values.tcp, 'tcp', 30303)
    const ip = ipFlag(values.ip, '127.0.0.1') as string
    const udp = portFlag(values.udp, 'udp', tcp)
    process.stdout.write(`${formatEnode({ publicKey: publicKey64(key), ip, tcp, udp })}\n`)
    return 0
  },
}

const toEnr: Command = {
  name: 'to-enr',
  summary: 'print a signed ENR (enr:...) for a key and endpoint',
  usage: [
    'Usage: eth-p2p key to-enr --key HEX --ip IP --tcp PORT --udp PORT [--seq N]',
    '',
    'Prints the signed node record in text form. IPv6 addresses go into ip6/tcp6/udp6.',
  ].join('\n'),
  async run(argv) {
    const { values } = parseFlags(argv, {
      key: { type: 'string' },
      ip: { type: 'string' },
      tcp: { type: 'string' },
      udp: { type: 'string' },
      seq: { type: 'string' },
    })
    const key = parsePrivateKeyHex(required(values.key, 'key'))
    const ip = ipFlag(required(values.ip, 'ip')) as string
    const tcp = portFlag(values.tcp, 'tcp')
    const udp = portFlag(values.udp, 'udp')
    if (values.seq !== undefined && !/^\d{1,19}$/.test(values.seq)) throw new CliError('--seq must be a number')
    const seq = values.seq === undefined ? 1n : BigInt(values.seq)
    const v6 = ip.includes(':')
    try {
      const enr = Enr.create(key, v6 ? { seq, ip6: ip, tcp6: tcp, udp6: udp } : { seq, ip, tcp, udp })
      process.stdout.write(`${enr.encodeText()}\n`)
    } catch (e) {
      if (e instanceof EnrError) throw new CliError(e.message)
      throw e
    }
    return 0
  },
}

export default group('key', 'generate keys; derive enode URLs and ENRs', [generate, toEnode, toEnr])
