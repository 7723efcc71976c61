import test from 'ava';
import { DriftHistogram, driftQuantile } from '../../src/watcher/DriftHistogram.ts';

test('drift is bucketed by 1 ms to 100 ms, then by 10 ms; quantiles come out as bucket bounds', (t) => {
  const histogram = new DriftHistogram();
  for (let i = 0; i < 98; i++) histogram.record(0.4);
  histogram.record(7.5);
  histogram.record(250);
  t.is(histogram.total, 100);
  t.is(driftQuantile(histogram.counts, 0.5), 1);
  t.is(driftQuantile(histogram.counts, 0.99), 8);
  t.is(driftQuantile(histogram.counts, 1), 250);
  histogram.record(5000);
  t.is(driftQuantile(histogram.counts, 1), Infinity);
  t.is(driftQuantile(new DriftHistogram().counts, 0.99), 0);
});
