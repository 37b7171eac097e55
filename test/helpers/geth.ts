// A go-ethereum `geth` started by a test: mainnet chain config, a temporary datadir, no discovery,
// listeners on 127.0.0.1 only, IPC in the datadir; JSON-RPC over that IPC socket.
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A running geth. */
export interface Geth {
  /** `enode://<key>@127.0.0.1:<port>` from `admin_nodeInfo`. */
  enode: string
  /** 64-byte public key (hex) from the enode. */
  publicKeyHex: string
  /** 32-byte node id (hex) from `admin_nodeInfo`. */
  nodeIdHex: string
  /** geth's ENR text (`enr:...`) from `admin_nodeInfo`. */
  enr: string
  datadir: string
  /** geth's process id. */
  pid: number
  /** Milliseconds from spawn until `admin_nodeInfo` answered. */
  startupMs: number
  /** One JSON-RPC call over the IPC socket, bounded by `timeoutMs`. */
  rpc<T = unknown>(method: string, params?: unknown[], timeoutMs?: number): Promise<T>
  /** Everything geth logged so far (stderr). */
  log(): string
  /** SIGTERM, SIGKILL after `graceMs`; then the datadir is removed. Idempotent. */
  stop(graceMs?: number): Promise<void>
}

/** One entry of geth's `admin_peers`. */
export interface GethPeerInfo {
  enode: string
  id: string
  name: string
  caps: string[]
  network: { localAddress: string; remoteAddress: string; inbound: boolean; trusted: boolean; static: boolean }
  protocols: Record<string, { version?: number } | string>
}

/**
 * geth's p2p listener takes its address from the config file only (`--port N` means ":N", every
 * interface), so the config pins it to 127.0.0.1 and empties the bootnode lists.
 */
const CONFIG = `[Node.P2P]
ListenAddr = "127.0.0.1:0"
NoDiscovery = true
DiscoveryV4 = false
DiscoveryV5 = false
BootstrapNodes = []
BootstrapNodesV5 = []
StaticNodes = []
TrustedNodes = []
`

/**
 * Start geth and wait (at most `timeoutMs`) until its IPC answers `admin_nodeInfo`.
 * Listeners: p2p TCP and authrpc on 127.0.0.1 (port 0: chosen by the OS), IPC in the datadir;
 * no UDP, no HTTP/WS, no NAT mapping, no DNS discovery, `--netrestrict 127.0.0.0/8`.
 * A watchdog (`sh`, reading our pipe) SIGKILLs geth if this process dies without stopping it.
 */
export async function startGeth(
  path: string,
  opts: { maxPeers?: number; timeoutMs?: number; vmodule?: string } = {},
): Promise<Geth> {
  const datadir = await mkdtemp(join(tmpdir(), 'eth-p2p-geth-'))
  await writeFile(join(datadir, 'config.toml'), CONFIG)
  const args = [
    '--mainnet',
    '--config',
    join(datadir, 'config.toml'),
    '--datadir',
    datadir,
    '--ipcpath',
    'geth.ipc',
    '--nodiscover',
    '--nat',
    'none',
    '--netrestrict',
    '127.0.0.0/8',
    '--maxpeers',
    String(opts.maxPeers ?? 10),
    '--authrpc.addr',
    '127.0.0.1',
    '--authrpc.port',
    '0',
    '--cache',
    '64',
    '--verbosity',
    '3',
    ...(opts.vmodule ? ['--log.vmodule', opts.vmodule] : []),
  ]
  const started = performance.now()
  const proc = spawn(path, args, { stdio: ['ignore', 'ignore', 'pipe'] })
  const watchdog = guard(proc, datadir)
  let log = ''
  proc.stderr?.setEncoding('utf8')
  proc.stderr?.on('data', (d: string) => {
    log += d
    if (log.length > 4_000_000) log = log.slice(-2_000_000)
  })
  const exited = new Promise<void>((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) resolve()
    else proc.once('exit', () => resolve())
  })
  proc.once('exit', () => watchdog.stdin?.end())
  const ipc = join(datadir, 'geth.ipc')
  const rpc = <T>(method: string, params: unknown[] = [], timeoutMs = 5_000) =>
    ipcCall<T>(ipc, method, params, timeoutMs)

  let stopping: Promise<void> | undefined
  const stop = (graceMs = 5_000): Promise<void> => {
    stopping ??= (async () => {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM')
        const t = setTimeout(() => proc.kill('SIGKILL'), graceMs)
        await exited
        clearTimeout(t)
      }
      await rm(datadir, { recursive: true, force: true, maxRetries: 3 })
    })()
    return stopping
  }

  try {
    const deadline = started + (opts.timeoutMs ?? 30_000)
    let info: { enode: string; id: string; enr: string } | undefined
    let lastError: unknown
    while (!info) {
      if (proc.exitCode !== null || proc.signalCode !== null)
        throw new Error(`geth exited (${proc.exitCode ?? proc.signalCode}):\n${log.slice(-3000)}`)
      if (performance.now() > deadline)
        throw new Error(`geth did not answer admin_nodeInfo in time (${String(lastError)}):\n${log.slice(-3000)}`)
      if (existsSync(ipc)) {
        try {
          info = await rpc<{ enode: string; id: string; enr: string }>('admin_nodeInfo', [], 2_000)
          break
        } catch (e) {
          lastError = e
        }
      }
      await new Promise((r) => setTimeout(r, 50))
    }
    const m = /^enode:\/\/([0-9a-f]{128})@/.exec(info.enode)
    if (!m) throw new Error(`unexpected enode from geth: ${info.enode}`)
    return {
      enode: info.enode.replace(/\?.*$/, ''),
      publicKeyHex: m[1] as string,
      nodeIdHex: info.id,
      enr: info.enr,
      datadir,
      pid: proc.pid as number,
      startupMs: Math.round(performance.now() - started),
      rpc,
      log: () => log,
      stop,
    }
  } catch (e) {
    await stop(1_000)
    throw e
  }
}

/**
 * A shell that waits for EOF on a pipe from us, then SIGKILLs geth and removes its datadir: if
 * this process dies in any way (even SIGKILL), the pipe closes and geth goes with it. Ended once
 * geth has exited.
 */
function guard(proc: ChildProcess, datadir: string): ChildProcess {
  const script = [
    'cat >/dev/null',
    'kill -9 "$1" 2>/dev/null',
    'for i in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done',
    'rm -rf "$2"',
  ].join('; ')
  const w = spawn('/bin/sh', ['-c', script, 'geth-watchdog', String(proc.pid), datadir], {
    stdio: ['pipe', 'ignore', 'ignore'],
  })
  w.unref()
  return w
}

/** One JSON-RPC request over a unix socket (geth IPC: a stream of JSON values, newline-separated). */
export function ipcCall<T>(socketPath: string, method: string, params: unknown[], timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const sock = connect(socketPath)
    let buf = ''
    const done = (f: () => void) => {
      clearTimeout(timer)
      sock.destroy()
      f()
    }
    const timer = setTimeout(() => done(() => reject(new Error(`${method}: no answer in ${timeoutMs} ms`))), timeoutMs)
    sock.setEncoding('utf8')
    sock.on('error', (e) => done(() => reject(e)))
    sock.on('connect', () => sock.write(`${JSON.stringify({ jsonrpc: '2.0', id: 1, method, params })}\n`))
    sock.on('data', (d: string) => {
      buf += d
      if (buf.length > 16_000_000) return done(() => reject(new Error(`${method}: answer too large`)))
      const nl = buf.indexOf('\n')
      if (nl < 0) return
      let msg: { result?: T; error?: { code: number; message: string } }
      try {
        msg = JSON.parse(buf.slice(0, nl))
      } catch (e) {
        return done(() => reject(e))
      }
      done(() =>
        msg.error ? reject(new Error(`${method}: ${msg.error.message} (${msg.error.code})`)) : resolve(msg.result as T),
      )
    })
    sock.on('end', () => done(() => reject(new Error(`${method}: IPC closed without an answer`))))
  })
}

/** Poll `check` every 100 ms until it returns a value other than undefined, at most `ms`. */
export async function until<T>(what: string, ms: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = performance.now() + ms
  for (;;) {
    const v = await check()
    if (v !== undefined) return v
    if (performance.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** An internet socket of a process, from /proc (Linux). */
export interface InetSocket {
  proto: 'tcp' | 'tcp6' | 'udp' | 'udp6'
  local: string
  remote: string
  /** /proc/net state: 0A listen, 01 established, 07 closed/unconnected (UDP). */
  state: string
}

/**
 * Every TCP/UDP socket `pid` holds, read from /proc/<pid>/fd and /proc/<pid>/net/*; undefined
 * where /proc is not there (not Linux).
 */
export function inetSockets(pid: number): InetSocket[] | undefined {
  if (!existsSync(`/proc/${pid}/fd`)) return undefined
  const inodes = new Set<string>()
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))
      if (m) inodes.add(m[1] as string)
    } catch {
      // closed meanwhile
    }
  }
  const out: InetSocket[] = []
  for (const proto of ['tcp', 'tcp6', 'udp', 'udp6'] as const) {
    let table: string
    try {
      table = readFileSync(`/proc/${pid}/net/${proto}`, 'utf8')
    } catch {
      continue
    }
    for (const line of table.split('\n').slice(1)) {
      const c = line.trim().split(/\s+/)
      if (c.length < 10 || !inodes.has(c[9] as string)) continue
      out.push({
        proto,
        local: procAddress(c[1] as string),
        remote: procAddress(c[2] as string),
        state: c[3] as string,
      })
    }
  }
  return out
}

/** `0100007F:A7C5` (little-endian words) as `127.0.0.1:42949`; IPv6 as `[hex:...]:port`. */
function procAddress(s: string): string {
  const [hex = '', port = '0'] = s.split(':')
  const words = hex.match(/.{8}/g) ?? []
  const bytes = words.flatMap((w) => [6, 4, 2, 0].map((i) => Number.parseInt(w.slice(i, i + 2), 16)))
  const p = Number.parseInt(port, 16)
  if (bytes.length === 4) return `${bytes.join('.')}:${p}`
  const mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 255 && bytes[11] === 255
  if (mapped) return `[::ffff:${bytes.slice(12).join('.')}]:${p}`
  const groups: string[] = []
  for (let i = 0; i < 16; i += 2) groups.push((((bytes[i] as number) << 8) | (bytes[i + 1] as number)).toString(16))
  return `[${groups.join(':')}]:${p}`
}

/** Whether a `procAddress` string is on 127.0.0.0/8 or ::1. */
export function isLoopbackAddress(a: string): boolean {
  return /^(?:\[::ffff:)?127\./.test(a) || a.startsWith('[0:0:0:0:0:0:0:1]:')
}
