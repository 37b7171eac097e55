/** `eth-p2p enr`: decode and inspect node records. */
import { decodeEnrText, Enr, EnrError, enrToEnode, type IdentityScheme, toHex, v4Scheme } from '../../index.js'
import { CliError, type Command, group, parseFlags, printJson } from '../args.js'

/** The JSON view of a record printed by `enr decode` (and by other commands that print records). */
export function enrToJson(enr: Enr, valid = true): Record<string, unknown> {
  const out: Record<string, unknown> = {
    seq: Number(enr.seq) <= Number.MAX_SAFE_INTEGER ? Number(enr.seq) : enr.seq.toString(),
    nodeId: enr.nodeIdHex,
    publicKey: toHex(enr.publicKey),
  }
  for (const k of ['ip', 'tcp', 'udp', 'ip6', 'tcp6', 'udp6', 'quic', 'quic6'] as const) {
    const v = enr[k]
    if (v !== undefined) out[k] = v
  }
  if (enr.ip !== undefined || enr.ip6 !== undefined) out.enode = enrToEnode(enr)
  out.entries = Object.fromEntries(enr.entries().map(([k, v]) => [k, toHex(v)]))
  out.signature = toHex(enr.signature)
  out.valid = valid
  return out
}

const decode: Command = {
  name: 'decode',
  summary: 'print a record as JSON (seq, nodeId, publicKey, endpoints, entries, valid)',
  usage: [
    'Usage: eth-p2p enr decode <enr:...>',
    '',
    'Decodes and verifies a node record and prints one JSON object with seq, nodeId,',
    'publicKey (compressed), ip/tcp/udp/ip6/tcp6/udp6 when present, entries (every key',
    'to its hex value) and valid (whether the signature verifies).',
    'A record whose only fault is its signature is printed with "valid": false and exit code 1.',
  ].join('\n'),
  async run(argv) {
    const { positionals } = parseFlags(argv, {}, true)
    if (positionals.length !== 1) throw new CliError('expected exactly one argument: the enr:... text')
    const text = positionals[0] as string
    try {
      printJson(enrToJson(Enr.decodeText(text)))
      return 0
    } catch (e) {
      if (!(e instanceof EnrError)) throw e
      if (e.code !== 'BAD_SIGNATURE') throw new CliError(`not a valid ENR: ${e.message}`)
    }
    // Well-formed but the signature fails: show it anyway, marked invalid.
    const unverified = Enr.decode(decodeEnrText(text), new Map([['v4', displayOnlyV4]]))
    printJson(enrToJson(unverified, false))
    return 1
  },
}

/** A "v4" scheme that skips the signature check, only for displaying records that fail it. */
const displayOnlyV4: IdentityScheme = {
  name: 'v4',
  nodeId: (pairs) => v4Scheme.nodeId(pairs),
  verify: () => true,
  sign: () => {
    throw new Error('BUG: display-only scheme cannot sign')
  },
  identityEntries: () => ({}),
}

export default group('enr', 'decode and inspect node records', [decode])
