/**
 * One deadline queue per service instead of a timer per entry: the service arms a single clock
 * timer for {@link Deadlines.next} and feeds {@link Deadlines.popExpired} into its state machine.
 */
export class Deadlines<K> {
  private readonly at = new Map<K, number>()

  get size(): number {
    return this.at.size
  }

  set(key: K, when: number): void {
    this.at.set(key, when)
  }

  get(key: K): number | undefined {
    return this.at.get(key)
  }

  delete(key: K): boolean {
    return this.at.delete(key)
  }

  /** The earliest deadline, if any. */
  next(): number | undefined {
    let min: number | undefined
    for (const t of this.at.values()) if (min === undefined || t < min) min = t
    return min
  }

  /** Remove and return every key whose deadline is at or before `now`, earliest first. */
  popExpired(now: number): K[] {
    const out: [K, number][] = []
    for (const [k, t] of this.at) if (t <= now) out.push([k, t])
    out.sort((a, b) => a[1] - b[1])
    for (const [k] of out) this.at.delete(k)
    return out.map(([k]) => k)
  }
}
