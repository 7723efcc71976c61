import test from 'ava';
import { silentLogger } from '../../src/log/createLogger.ts';
import { NO_MARKS, type Marks } from '../../src/marks/Mark.ts';
import { parseMark } from '../../src/marks/markFormat.ts';
import type { WatcherStateFile } from '../../src/flag-store/watcherState.ts';
import { StickyKeeper } from '../../src/watcher/StickyKeeper.ts';
import { FakeClock } from '../helpers/FakeClock.ts';
import { modelOf } from '../helpers/healthModel.ts';

const model = modelOf({
  categories: { search: { resilient: true, sticky: true }, api: { sticky: true } },
  probes: {
    'es-1': { module: 'url_probe', categories: ['search'], group: 'es' },
    'es-2': { module: 'url_probe', categories: ['search'], group: 'es' },
    db: { module: 'url_probe', categories: ['api'] },
  },
});

function keeper(failing: WatcherStateFile['failing'], marks: Marks = NO_MARKS) {
  const written: [string, string][] = [];
  const clock = new FakeClock();
  const sticky = new StickyKeeper({
    folder: '/flags',
    model: () => model,
    snapshot: () => ({ running: ['es-1', 'es-2', 'db'], failing }),
    clock,
    log: silentLogger,
    readMarks: async () => marks,
    writeMark: async (_folder, file, text) => void written.push([file, text]),
  });
  return { sticky, written };
}

test('a sticky category whose group fails is marked, with the verdict\'s words as the reason', async (t) => {
  const { sticky, written } = keeper({ 'es-1': { state: 'down', reason: 'status 500' }, 'es-2': { state: 'down', reason: 'timeout' } });
  await sticky.check();
  t.is(written.length, 1);
  t.is(written[0]![0], '/flags/sticky/search');
  const mark = parseMark('sticky', 'search', written[0]![0], written[0]![1], 0);
  t.is(mark.by, 'watcher');
  t.is(mark.reason, 'The es-1 is DEAD! status 500; The es-2 is DEAD! timeout; search: es has 0 of 2 passing, needs 1');
});

test('not marked: a resilient group that still has enough, probes not checked yet, an acked probe, a category already marked', async (t) => {
  const tolerated = keeper({ 'es-1': { state: 'down', reason: 'status 500' } });
  await tolerated.sticky.check();
  const pending = keeper({ db: { state: 'pending', reason: 'pending' }, 'es-1': { state: 'overdue', reason: 'late' }, 'es-2': { state: 'pending', reason: 'pending' } });
  await pending.sticky.check();
  const ack = parseMark('ack', 'db', '/flags/acks/db', 'known\nby: alice\n', Date.now());
  const acked = keeper({ db: { state: 'down', reason: 'ECONNREFUSED' } }, { ...NO_MARKS, acks: [ack] });
  await acked.sticky.check();
  const already = keeper({ db: { state: 'down', reason: 'ECONNREFUSED' } }, { ...NO_MARKS, sticky: [parseMark('sticky', 'api', '/flags/sticky/api', 'x\n', 0)] });
  await already.sticky.check();
  t.deepEqual([tolerated.written, pending.written, acked.written, already.written], [[], [], [], []]);
});
