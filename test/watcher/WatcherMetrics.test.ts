import test from 'ava';
import { spawnSync } from 'node:child_process';
import { WatcherMetrics, type MeasuredProbe } from '../../src/watcher/WatcherMetrics.ts';
import type { CheckEvent } from '../../src/watcher/ProbeLoop.ts';

const loop = (moduleName: string, lastDurationMs: number, checkedAt: number | undefined): MeasuredProbe => ({ spec: { moduleName }, lastDurationMs, checkedAt });
const event = (probe: string, ok: boolean, extra: Partial<CheckEvent> = {}): CheckEvent => ({ probe, ok, reason: '', state: ok ? 'up' : 'down', durationMs: 1, driftMs: 3, at: 0, ...extra });

test("counts per probe and result, state changes, last duration, drift (not of forced checks), default metrics with process=\"watcher\"; promtool accepts it; a probe no longer running loses its series", async (t) => {
  const running = new Map<string, MeasuredProbe>([
    ['es', loop('url_probe', 12.5, 1)],
    ['db', loop('sql_probe', 0, undefined)],
  ]);
  const metrics = new WatcherMetrics(() => running);
  metrics.record(event('es', true, { transition: { from: 'pending', to: 'up' } }));
  metrics.record(event('es', true));
  metrics.record(event('es', false, { transition: { from: 'up', to: 'down' }, driftMs: 2000 }));
  metrics.record(event('es', true, { forced: true, driftMs: 0 }));
  const { shared, own } = await metrics.text();
  t.false(shared.includes('deadpool_'), 'the shared part: default metrics only');
  t.false(own.includes('process_'), "the watcher's own families only");
  const text = shared + own;
  const has = (line: string): void => void t.true(text.split('\n').includes(line), line);
  has('deadpool_probe_checks_total{probe="es",module="url_probe",result="pass"} 3');
  has('deadpool_probe_checks_total{probe="es",module="url_probe",result="fail"} 1');
  has('deadpool_probe_checks_total{probe="db",module="sql_probe",result="pass"} 0');
  has('deadpool_probe_state_changes_total{probe="es",module="url_probe"} 2');
  has('deadpool_probe_duration_seconds{probe="es",module="url_probe"} 0.0125');
  t.false(text.includes('deadpool_probe_duration_seconds{probe="db"'), 'no duration before the first check');
  has('deadpool_schedule_drift_seconds_bucket{le="0.005"} 2');
  has('deadpool_schedule_drift_seconds_bucket{le="2.5"} 3');
  has('deadpool_schedule_drift_seconds_count 3');
  t.regex(text, /^process_cpu_seconds_total\{process="watcher"\} \d/m);
  t.false(/nodejs_active_\w+_total/.test(text), 'the gauges promtool refuses are left out');
  const promtool = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  t.is(promtool.status, 0, promtool.stdout + promtool.stderr);

  running.delete('es');
  const after = (await metrics.text()).own;
  t.false(after.includes('probe="es"'));
  t.true(after.includes('probe="db"'));
});
