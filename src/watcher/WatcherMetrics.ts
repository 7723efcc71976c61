import { createRequire } from 'node:module';
import type { Counter, Metric, Registry } from 'prom-client';
import type { WatcherMetricsText } from '../watcher-link/metricsProtocol.ts';
import type { CheckEvent } from './ProbeLoop.ts';

/** prom-client only on the first scrape: loading it costs a process about 11 MB, and a DC nobody scrapes need not pay. */
const require = createRequire(import.meta.url);
type PromClient = typeof import('prom-client');

/** What the metrics read of a running probe (a ProbeLoop). */
export interface MeasuredProbe {
  readonly spec: { readonly moduleName: string };
  readonly checkedAt: number | undefined;
  readonly lastDurationMs: number;
}

/** Upper bounds (s) of the schedule drift histogram: a check late by 1 ms is normal, by a second the watcher is overloaded. */
export const DRIFT_BUCKETS_S: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * prom-client's gauges with 1.0 default process metrics that promtool 2.42 refuses: a gauge
 * must not end in `_total`. The same numbers are in the unsuffixed gauges by type.
 */
const REFUSED_BY_PROMTOOL = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

interface Counts {
  pass: number;
  fail: number;
  changes: number;
}

/** One sample as prom-client's Registry formats it (`metricName` for a histogram's _bucket, _sum, _count). */
interface Sample {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

type FamilyType = 'counter' | 'gauge' | 'histogram';

/** A family computed at each scrape: what prom-client's Registry calls to get a metric's values. */
interface Collector {
  name: string;
  help: string;
  type: FamilyType;
  get(): { name: string; help: string; type: FamilyType; aggregator: 'sum'; values: Sample[] };
}

/**
 * The watcher's part of `/metrics`: per probe its checks by result, its changes of state and its
 * last check's duration; the schedule drift; the watcher's default process metrics (label
 * `process="watcher"`). The counts are plain numbers bumped on each check (no prom-client on the
 * checks' path); at a scrape a prom-client Registry reads them through collectors, so the 10,000
 * probes' series are not kept twice. Probes no longer running lose their series.
 */
export class WatcherMetrics {
  readonly #probes: () => ReadonlyMap<string, MeasuredProbe>;
  readonly #counts = new Map<string, Counts>();
  readonly #drift = new Array<number>(DRIFT_BUCKETS_S.length).fill(0);
  #driftSum = 0;
  #driftCount = 0;
  #registries: { shared: Registry; own: Registry } | undefined;

  constructor(probes: () => ReadonlyMap<string, MeasuredProbe>) {
    this.#probes = probes;
  }

  record(event: CheckEvent): void {
    let counts = this.#counts.get(event.probe);
    if (counts === undefined) {
      counts = { pass: 0, fail: 0, changes: 0 };
      this.#counts.set(event.probe, counts);
    }
    if (event.ok) counts.pass++;
    else counts.fail++;
    if (event.transition) counts.changes++;
    // A forced check has no planned start: it is not schedule drift.
    if (event.forced) return;
    const seconds = Math.max(0, event.driftMs) / 1000;
    this.#driftSum += seconds;
    this.#driftCount++;
    for (let i = 0; i < DRIFT_BUCKETS_S.length; i++) if (seconds <= DRIFT_BUCKETS_S[i]!) this.#drift[i]!++;
  }

  /** The Prometheus text of the watcher's metrics: its default process metrics, and its own families. */
  async text(): Promise<WatcherMetricsText> {
    this.#registries ??= this.#createRegistries();
    const [shared, own] = await Promise.all([this.#registries.shared.metrics(), this.#registries.own.metrics()]);
    return { shared, own };
  }

  #createRegistries(): { shared: Registry; own: Registry } {
    const client = require('prom-client') as PromClient;
    const registry = new client.Registry();
    const own = new client.Registry();
    const cpu = process.cpuUsage();
    client.collectDefaultMetrics({ register: registry, labels: WATCHER });
    // prom-client counts CPU from the call above; the time spent before the first scrape is the process's too.
    for (const [name, micros] of [['process_cpu_user_seconds_total', cpu.user], ['process_cpu_system_seconds_total', cpu.system], ['process_cpu_seconds_total', cpu.user + cpu.system]] as const) {
      (registry.getSingleMetric(name) as Counter | undefined)?.inc(WATCHER, micros / 1e6);
    }
    for (const name of REFUSED_BY_PROMTOOL) registry.removeSingleMetric(name);
    for (const collector of this.#collectors()) {
      // prom-client's Registry takes any object with a name and a get() returning values; its
      // typings only name its own classes. Its Gauge with a collect() hook would keep a second
      // copy of every series and took 2-6 times as long at 10,000 probes.
      own.registerMetric(collector as unknown as Metric);
    }
    return { shared: registry, own };
  }

  #collectors(): Collector[] {
    const perProbe = (name: string, type: FamilyType, help: string, values: (probe: string, loop: MeasuredProbe, counts: Counts) => Sample[]): Collector => ({
      name,
      help,
      type,
      get: () => {
        const out: Sample[] = [];
        for (const [probe, loop] of this.#probes()) out.push(...values(probe, loop, this.#counts.get(probe) ?? NO_COUNTS));
        return { name, help, type, aggregator: 'sum', values: out };
      },
    });
    return [
      perProbe('deadpool_probe_duration_seconds', 'gauge', 'How long the last check of the probe took.', (probe, loop) =>
        loop.checkedAt === undefined ? [] : [{ labels: { probe, module: loop.spec.moduleName }, value: loop.lastDurationMs / 1000 }],
      ),
      perProbe('deadpool_probe_checks_total', 'counter', 'Checks of the probe since the watcher started, by result (pass or fail).', (probe, loop, counts) => [
        { labels: { probe, module: loop.spec.moduleName, result: 'pass' }, value: counts.pass },
        { labels: { probe, module: loop.spec.moduleName, result: 'fail' }, value: counts.fail },
      ]),
      perProbe('deadpool_probe_state_changes_total', 'counter', 'Changes of the probe between up and down (after fall/rise) since the watcher started.', (probe, loop, counts) => [
        { labels: { probe, module: loop.spec.moduleName }, value: counts.changes },
      ]),
      {
        name: 'deadpool_schedule_drift_seconds',
        help: 'How late scheduled checks started compared with their grid (forced checks not counted).',
        type: 'histogram',
        get: () => {
          this.#prune();
          const name = 'deadpool_schedule_drift_seconds';
          const values: Sample[] = DRIFT_BUCKETS_S.map((le, i) => ({ labels: { le }, value: this.#drift[i]!, metricName: `${name}_bucket` }));
          values.push({ labels: { le: '+Inf' }, value: this.#driftCount, metricName: `${name}_bucket` });
          values.push({ labels: {}, value: this.#driftSum, metricName: `${name}_sum` });
          values.push({ labels: {}, value: this.#driftCount, metricName: `${name}_count` });
          return { name, help: 'How late scheduled checks started compared with their grid (forced checks not counted).', type: 'histogram', aggregator: 'sum', values };
        },
      },
    ];
  }

  /** Counts of probes that stopped running (removed, disabled): their series end with them. */
  #prune(): void {
    const running = this.#probes();
    for (const name of this.#counts.keys()) if (!running.has(name)) this.#counts.delete(name);
  }
}

const WATCHER = { process: 'watcher' };
const NO_COUNTS: Counts = { pass: 0, fail: 0, changes: 0 };
