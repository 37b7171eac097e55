/**
 * A hand-driven RLPx peer for tests: it runs our pure codecs over a raw socket, so a test can
 * send exactly the bytes it wants (garbage, bad MACs, bombs) and read what the endpoint answers.
 */
import { connect, type Socket } from 'node:net'
import { generatePrivateKey, publicKey64 } from '../../../src/crypto/index.js'
import { FrameReader, FrameWriter } from '../../../src/rlpx/frame/index.js'
import { InitiatorHandshake } from '../../../src/rlpx/handshake/index.js'
import { encodeMessageId, readDisconnect, splitFrame } from '../../../src/rlpx/message.js'
import { encodeHello, type Hello, P2pMessage } from '../../../src/rlpx/p2p.js'
import { snappyCompress, snappyDecompress } from '../../../src/rlpx/snappy.js'
import { concatBytes } from '../../../src/util/bytes.js'

export class RawPeer {
  readonly privateKey: Uint8Array
  private pending: Uint8Array = new Uint8Array(0)
  private reader?: FrameReader
  writer?: FrameWriter
  private frames: { code: number; payload: Uint8Array }[] = []
  private wake?: () => void
  ended = false
  /** Resolves when the socket closes. */
  readonly closed: Promise<void>

  private constructor(
    readonly socket: Socket,
    privateKey?: Uint8Array,
  ) {
    this.privateKey = privateKey ?? generatePrivateKey()
    this.closed = new Promise((r) => socket.once('close', () => r()))
    socket.on('error', () => {})
    socket.on('data', (c: Buffer) => this.onData(c))
    socket.on('close', () => {
      this.ended = true
      this.wake?.()
    })
  }

  static connect(port: number, privateKey?: Uint8Array): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port })
      s.once('error', reject)
      s.once('connect', () => resolve(new RawPeer(s, privateKey)))
    })
  }

  private onData(c: Buffer): void {
    if (this.reader) {
      this.reader.push(c)
      for (;;) {
        const r = this.reader.next()
        if (!r.ok || r.value === undefined) break
        const s = splitFrame(r.value)
        if (s.ok) this.frames.push({ code: s.value.code, payload: s.value.payload.slice() })
      }
    } else {
      this.pending = concatBytes(this.pending, c)
    }
    this.wake?.()
  }

  private async until(cond: () => boolean, timeoutMs: number): Promise<void> {
    const end = Date.now() + timeoutMs
    while (!cond()) {
      if (this.ended) throw new Error('socket closed')
      const left = end - Date.now()
      if (left <= 0) throw new Error('timed out')
      await new Promise<void>((r) => {
        const t = setTimeout(r, left)
        this.wake = () => {
          clearTimeout(t)
          r()
        }
      })
    }
  }

  write(b: Uint8Array): void {
    this.socket.write(b)
  }

  /** Send auth, read ack, set up the frame codec. */
  async handshake(remotePublicKey: Uint8Array, timeoutMs = 3000): Promise<void> {
    const h = new InitiatorHandshake({ privateKey: this.privateKey, remotePublicKey })
    this.write(h.auth)
    let done: { consumed: number; secrets: ConstructorParameters<typeof FrameWriter>[0] } | undefined
    await this.until(() => {
      const r = h.onData(this.pending)
      if (!r.ok) throw r.error
      if (r.value.kind === 'done') done = r.value
      return done !== undefined
    }, timeoutMs)
    if (!done) throw new Error('unreachable')
    this.writer = new FrameWriter(done.secrets)
    this.reader = new FrameReader(done.secrets)
    const rest = this.pending.subarray(done.consumed)
    this.pending = new Uint8Array(0)
    if (rest.length) this.onData(Buffer.from(rest))
  }

  hello(over: Partial<Hello> = {}): Hello {
    return {
      version: 5,
      clientId: 'raw-peer',
      capabilities: [{ name: 'test', version: 1 }],
      listenPort: 0,
      id: publicKey64(this.privateKey),
      ...over,
    }
  }

  /** A frame with this id and payload (compressed when asked). */
  frame(code: number, payload: Uint8Array, compress = false): Uint8Array {
    if (!this.writer) throw new Error('no session')
    return this.writer.write(encodeMessageId(code), compress ? snappyCompress(payload) : payload)
  }

  send(code: number, payload: Uint8Array, compress = false): void {
    this.write(this.frame(code, payload, compress))
  }

  sendHello(over: Partial<Hello> = {}): void {
    this.send(P2pMessage.Hello, encodeHello(this.hello(over)))
  }

  /** Next frame received (with the payload as sent). */
  async next(timeoutMs = 3000): Promise<{ code: number; payload: Uint8Array }> {
    await this.until(() => this.frames.length > 0, timeoutMs)
    return this.frames.shift() as { code: number; payload: Uint8Array }
  }

  /** Read frames until a Disconnect arrives; returns its reason. */
  async disconnectReason(timeoutMs = 3000): Promise<number> {
    for (;;) {
      const f = await this.next(timeoutMs)
      if (f.code === P2pMessage.Disconnect) return readDisconnect(f.payload, true)
    }
  }

  /** Decompressed payload of a frame received after the Hello exchange. */
  static plain(payload: Uint8Array): Uint8Array {
    const r = snappyDecompress(payload)
    if (!r.ok) throw r.error
    return r.value
  }

  close(): void {
    this.socket.destroy()
  }
}
