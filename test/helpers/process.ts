import type { ChildProcessWithoutNullStreams } from 'node:child_process'
import { startCli } from './cli.js'

/** A running `eth-p2p` process whose stdout is read as JSON lines. */
export interface CliProcess {
  proc: ReturnType<typeof startCli>
  /** The first JSON line matching `pred`, within `ms`. */
  waitFor(pred: (o: Record<string, unknown>) => boolean, ms?: number): Promise<Record<string, unknown>>
  /** Every JSON line seen so far. */
  lines: Record<string, unknown>[]
  stderr(): string
  /** SIGTERM, then resolve with the exit code and the time it took (SIGKILL after `ms`). */
  stop(ms?: number): Promise<{ code: number | null; ms: number }>
}

export function runProcess(args: string[]): CliProcess {
  const proc = startCli(args)
  const lines: Record<string, unknown>[] = []
  const waiters: { pred: (o: Record<string, unknown>) => boolean; resolve: (o: Record<string, unknown>) => void }[] = []
  let buf = ''
  let err = ''
  proc.stdout.setEncoding('utf8')
  proc.stderr.setEncoding('utf8')
  proc.stderr.on('data', (d: string) => {
    err += d
  })
  proc.stdout.on('data', (d: string) => {
    buf += d
    let i = buf.indexOf('\n')
    while (i >= 0) {
      const line = buf.slice(0, i)
      buf = buf.slice(i + 1)
      i = buf.indexOf('\n')
      try {
        const o = JSON.parse(line) as Record<string, unknown>
        lines.push(o)
        for (const w of [...waiters]) if (w.pred(o)) w.resolve(o)
      } catch {
        // not JSON: ignore
      }
    }
  })
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)))
  return {
    proc,
    lines,
    stderr: () => err,
    waitFor(pred, ms = 10_000) {
      const seen = lines.find(pred)
      if (seen) return Promise.resolve(seen)
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`timed out; stderr: ${err.slice(-500)}`)), ms)
        waiters.push({
          pred,
          resolve: (o) => {
            clearTimeout(t)
            resolve(o)
          },
        })
        void exited.then((code) => {
          clearTimeout(t)
          reject(new Error(`process exited with ${code}; stderr: ${err.slice(-500)}`))
        })
      })
    },
    async stop(ms = 8000) {
      const start = performance.now()
      if (proc.exitCode !== null) return { code: proc.exitCode, ms: 0 }
      proc.kill('SIGTERM')
      const kill = setTimeout(() => proc.kill('SIGKILL'), ms)
      const code = await exited
      clearTimeout(kill)
      return { code, ms: performance.now() - start }
    },
  }
}

export type { ChildProcessWithoutNullStreams }
