/** `eth-p2p rlpx`: talk RLPx to a node. `ping` dials, prints the peer's Hello, and disconnects. */
import { EnrError, fromHex, generatePrivateKey, isValidPrivateKey, parseEnode, rlpx, toHex } from '../../index.js'
import { CliError, type Command, group, parseFlags, printJson } from '../args.js'

/** `500ms`, `5s`, `1m` or a bare number of seconds, 1 ms .. 10 min. */
function duration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim())
  const ms = m ? Number(m[1]) * { ms: 1, s: 1000, m: 60_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm'] : Number.NaN
  if (!(ms >= 1 && ms <= 600_000)) throw new CliError(`--timeout must be a duration like 500ms or 5s, got '${text}'`)
  return Math.round(ms)
}

const ping: Command = {
  name: 'ping',
  summary: 'dial a node, print its Hello as one JSON line, disconnect',
  usage: [
    'Usage: eth-p2p rlpx ping <enode> [--timeout 5s] [--key HEX]',
    '',
    'Dials the node over RLPx (auth, ack, Hello), prints its Hello as one JSON line',
    '({version, clientId, capabilities: [{name, version}], listenPort, id}), then sends',
    'Disconnect (DisconnectRequested). Exit 0 on success; on failure prints the reason and exits 1.',
    '',
    'Options:',
    '  --timeout DUR   handshake deadline (default 5s)',
    '  --key HEX       our private key (default: a fresh random key)',
  ].join('\n'),
  async run(argv) {
    const { values, positionals } = parseFlags(argv, { timeout: { type: 'string' }, key: { type: 'string' } }, true)
    if (positionals.length !== 1) throw new CliError('give exactly one enode URL')
    let target: ReturnType<typeof parseEnode>
    try {
      target = parseEnode(positionals[0] as string)
    } catch (e) {
      if (e instanceof EnrError) throw new CliError(`not a valid enode URL: ${e.message}`)
      throw e
    }
    if (target.ip === undefined && target.hostname === undefined) throw new CliError('the enode URL has no address')
    if (target.tcp === 0) throw new CliError('the enode URL has TCP port 0')
    const handshakeMs = values.timeout === undefined ? rlpx.HANDSHAKE_TIMEOUT_MS : duration(values.timeout)
    let privateKey = generatePrivateKey()
    if (values.key !== undefined) {
      const k = /^(0x)?[0-9a-fA-F]{64}$/.test(values.key) ? fromHex(values.key) : undefined
      if (!k || !isValidPrivateKey(k)) throw new CliError('--key must be a secp256k1 private key (64 hex characters)')
      privateKey = k
    }
    let conn: rlpx.RlpxConnection
    try {
      conn = await rlpx.dial(target, {
        privateKey,
        clientId: 'eth-p2p/rlpx-ping',
        requireSharedCapability: false,
        timeouts: { handshakeMs, dialMs: handshakeMs },
      })
    } catch (e) {
      if (e instanceof rlpx.RlpxError) {
        process.stderr.write(`eth-p2p: rlpx ping failed: ${e.message}\n`)
        return 1
      }
      throw e
    }
    const h = conn.remoteHello
    printJson({
      version: h.version,
      clientId: h.clientId,
      capabilities: h.capabilities.map((c) => ({ name: c.name, version: c.version })),
      listenPort: h.listenPort,
      id: toHex(h.id),
    })
    await conn.disconnect(rlpx.DisconnectReason.DisconnectRequested)
    return 0
  },
}

/** The `rlpx` command group. */
const command: Command = group('rlpx', 'talk RLPx to Ethereum execution-layer nodes', [ping])
export default command
