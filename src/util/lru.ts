/** A bounded map with least-recently-used eviction. BOUNDED: `capacity` entries. */
export class Lru<K, V> {
  private readonly map = new Map<K, V>()

  constructor(
    readonly capacity: number,
    private readonly onEvict?: (key: K, value: V) => void,
  ) {
    if (!(capacity > 0)) throw new RangeError('LRU capacity must be positive')
  }

  get size(): number {
    return this.map.size
  }

  /** Get and mark as recently used. */
  get(key: K): V | undefined {
    const v = this.map.get(key)
    if (v !== undefined) {
      this.map.delete(key)
      this.map.set(key, v)
    }
    return v
  }

  /** Get without touching the order. */
  peek(key: K): V | undefined {
    return this.map.get(key)
  }

  has(key: K): boolean {
    return this.map.has(key)
  }

  set(key: K, value: V): void {
    this.map.delete(key)
    this.map.set(key, value)
    while (this.map.size > this.capacity) {
      const oldest = this.map.keys().next().value as K
      const ov = this.map.get(oldest) as V
      this.map.delete(oldest)
      this.onEvict?.(oldest, ov)
    }
  }

  delete(key: K): boolean {
    return this.map.delete(key)
  }

  clear(): void {
    this.map.clear()
  }

  keys(): IterableIterator<K> {
    return this.map.keys()
  }

  values(): IterableIterator<V> {
    return this.map.values()
  }

  entries(): IterableIterator<[K, V]> {
    return this.map.entries()
  }
}
