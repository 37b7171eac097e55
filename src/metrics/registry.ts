/**
 * Metrics hooks. Components count into a {@link Metrics} they are given; the node exposes the
 * registry in Prometheus text format. Label sets are bounded by the code (reasons, kinds), never
 * by peer input.
 */

export interface Counter {
  inc(labels?: Record<string, string>, by?: number): void
}
export interface Gauge {
  set(value: number, labels?: Record<string, string>): void
}

export interface Metrics {
  counter(name: string, help: string): Counter
  gauge(name: string, help: string): Gauge
}

const noopMetric = { inc() {}, set() {} }
/** Counts nothing. The default for library components. */
export const noopMetrics: Metrics = { counter: () => noopMetric, gauge: () => noopMetric }

function labelKey(labels: Record<string, string> | undefined): string {
  if (!labels) return ''
  const keys = Object.keys(labels).sort()
  return keys.map((k) => `${k}="${String(labels[k]).replace(/["\\\n]/g, '_')}"`).join(',')
}

interface Series {
  kind: 'counter' | 'gauge'
  help: string
  values: Map<string, number>
}

/** An in-process registry that renders the Prometheus text exposition format. */
export class MetricsRegistry implements Metrics {
  private readonly series = new Map<string, Series>()

  private get(name: string, help: string, kind: Series['kind']): Series {
    let s = this.series.get(name)
    if (!s) {
      s = { kind, help, values: new Map() }
      this.series.set(name, s)
    }
    return s
  }

  counter(name: string, help: string): Counter {
    const s = this.get(name, help, 'counter')
    return {
      inc: (labels, by = 1) => {
        const k = labelKey(labels)
        s.values.set(k, (s.values.get(k) ?? 0) + by)
      },
    }
  }

  gauge(name: string, help: string): Gauge {
    const s = this.get(name, help, 'gauge')
    return { set: (value, labels) => s.values.set(labelKey(labels), value) }
  }

  /** Current value of one series (for tests and the dashboard). */
  value(name: string, labels?: Record<string, string>): number {
    return this.series.get(name)?.values.get(labelKey(labels)) ?? 0
  }

  /** Sum over every label set of a series. */
  total(name: string): number {
    let sum = 0
    for (const v of this.series.get(name)?.values.values() ?? []) sum += v
    return sum
  }

  /** Prometheus text format. */
  render(): string {
    const lines: string[] = []
    for (const [name, s] of this.series) {
      lines.push(`# HELP ${name} ${s.help}`, `# TYPE ${name} ${s.kind}`)
      for (const [k, v] of s.values) lines.push(`${name}${k ? `{${k}}` : ''} ${v}`)
    }
    return `${lines.join('\n')}\n`
  }
}
