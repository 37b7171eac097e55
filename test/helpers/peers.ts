import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** Where `npm run peers` puts go-ethereum's binaries. */
export const PEERS_BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '.peers', 'bin')

/** Path of a reference peer binary, or undefined (with the reason) when it is not built. */
export function peerBinary(name: 'devp2p' | 'geth'): { path?: string; missing?: string } {
  const path = join(PEERS_BIN, name)
  if (existsSync(path)) return { path }
  return { missing: `${name} not built: run 'npm run peers' (needs Go) to test against go-ethereum` }
}

/** Run a binary to completion (bounded), collecting its output. */
export function runBinary(
  path: string,
  args: string[],
  timeoutMs: number,
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(path, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString()
    })
    p.stderr.on('data', (d: Buffer) => {
      out += d.toString()
    })
    const t = setTimeout(() => p.kill('SIGKILL'), timeoutMs)
    p.on('exit', (code) => {
      clearTimeout(t)
      resolve({ code, out })
    })
  })
}

/** The cases of a go-ethereum `devp2p ... test` run: name → passed. */
export function suiteResults(out: string): Map<string, boolean> {
  const r = new Map<string, boolean>()
  for (const m of out.matchAll(/^-- (OK|FAIL) (\S+)/gm)) r.set(m[2] as string, m[1] === 'OK')
  return r
}
