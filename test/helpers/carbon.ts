import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ExecutionContext } from 'ava';
import { startRealServer } from './realServer.ts';
import { freePort } from './responderClient.ts';
import { STARTUP_MS } from './waitFor.ts';

/**
 * Debian's carbon-cache (graphite-carbon) in the foreground on 127.0.0.1 high ports, its config
 * and whisper files in a temp folder, keeping every metric at 1 s resolution for an hour.
 */
export async function startCarbon(t: ExecutionContext) {
  const [pickle, query] = [await freePort(), await freePort()];
  let whisper = '';
  const server = await startRealServer(
    t,
    'carbon-cache',
    (port, dir) => {
      whisper = path.join(dir, 'storage', 'whisper');
      mkdirSync(whisper, { recursive: true });
      mkdirSync(path.join(dir, 'log'));
      writeFileSync(
        path.join(dir, 'carbon.conf'),
        `[cache]
STORAGE_DIR = ${path.join(dir, 'storage')}/
LOCAL_DATA_DIR = ${whisper}/
CONF_DIR = ${dir}/
LOG_DIR = ${path.join(dir, 'log')}/
PID_DIR = ${dir}/
DATABASE = whisper
ENABLE_LOGROTATION = False
MAX_CACHE_SIZE = inf
MAX_UPDATES_PER_SECOND = 10000
MAX_CREATES_PER_MINUTE = inf
LINE_RECEIVER_INTERFACE = 127.0.0.1
LINE_RECEIVER_PORT = ${port}
ENABLE_UDP_LISTENER = False
PICKLE_RECEIVER_INTERFACE = 127.0.0.1
PICKLE_RECEIVER_PORT = ${pickle}
CACHE_QUERY_INTERFACE = 127.0.0.1
CACHE_QUERY_PORT = ${query}
WHISPER_AUTOFLUSH = True
`,
      );
      writeFileSync(path.join(dir, 'storage-schemas.conf'), '[all]\npattern = .*\nretentions = 1s:1h\n');
      return [`--config=${path.join(dir, 'carbon.conf')}`, `--pidfile=${path.join(dir, 'carbon.pid')}`, '--nodaemon', '--logfile=-', 'start'];
    },
    /CarbonReceiverFactory starting on \d+/,
    STARTUP_MS,
  );
  /**
   * The values whisper holds for a dotted metric over the last `seconds`, oldest first (None left
   * out). Not spawnSync: the test's own backends share its event loop.
   */
  const values = async (metric: string, seconds = 120): Promise<number[]> => {
    const file = path.join(whisper, ...metric.split('.')) + '.wsp';
    const from = Math.floor(Date.now() / 1000) - seconds;
    const run = await promisify(execFile)('whisper-fetch', [`--from=${from}`, file], { encoding: 'utf8' }).catch(() => undefined);
    if (run === undefined) return [];
    return run.stdout
      .split('\n')
      .map((line) => line.split('\t')[1])
      .filter((value): value is string => value !== undefined && value !== 'None')
      .map(Number);
  };
  return { ...server, whisper, values };
}
