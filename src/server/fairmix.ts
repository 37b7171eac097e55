/**
 * Candidate sources mixed fairly (go-ethereum enode.FairMix): the dialer pulls one node at a time and
 * each source takes turns, so no single source starves the others; a source that has nothing ready
 * within `timeoutMs` loses its turn. Pull-based, so a dialer with no free slot simply stops pulling.
 */
import { raceSignal } from '../util/abort.js'

export interface MixSource<T> {
  name: string
  iter: AsyncIterator<T>
}

/** Round-robin over async sources; ends when every source has ended or `signal` aborts. */
export async function* fairMix<T>(
  sources: MixSource<T>[],
  opts: { signal: AbortSignal; timeoutMs?: number },
): AsyncGenerator<{ source: string; value: T }> {
  const live = [...sources]
  const waiting = new Map<MixSource<T>, Promise<IteratorResult<T>>>()
  let turn = 0
  while (live.length > 0 && !opts.signal.aborted) {
    const src = live[turn % live.length] as MixSource<T>
    turn++
    let p = waiting.get(src)
    if (!p) {
      p = src.iter.next()
      waiting.set(src, p)
    }
    // Another source's pending result is not lost: it stays in `waiting` for its next turn.
    const timeout = AbortSignal.timeout(opts.timeoutMs ?? 1000)
    let r: IteratorResult<T>
    try {
      r = await raceSignal(p, opts.signal, timeout)
    } catch {
      if (opts.signal.aborted) break
      if (timeout.aborted) continue
      // the source itself failed: drop it
      waiting.delete(src)
      live.splice(live.indexOf(src), 1)
      continue
    }
    waiting.delete(src)
    if (r.done) {
      live.splice(live.indexOf(src), 1)
      continue
    }
    yield { source: src.name, value: r.value }
  }
  for (const s of sources) void s.iter.return?.()
}
