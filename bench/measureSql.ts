import { readFile, writeFile } from 'node:fs/promises';
import { startPostgres } from '../test/helpers/postgres.ts';
import { startDeadpool, waitForFirstRound, type ModuleProbeDef } from './startDeadpool.ts';
import { round, sleep } from './stats.ts';
import { watcherWindow } from './watcherWindow.ts';

export interface SqlOptions {
  probes: number;
  periodS: number;
  warmupS: number;
  windowS: number;
}

export interface SqlResult extends SqlOptions {
  checksPerS: number;
  /** The watcher's CPU, % of one core, and per check (µs). */
  watcherCpuPercent: number;
  cpuPerCheckUs: number;
  /** PostgreSQL's CPU over the window: the postmaster's own and its ended backends' (cutime + cstime), % of one core. */
  serverCpuPercent: number;
  /** The probes' connections on the server (pg_stat_activity, user `deadpool`), sampled every 100 ms: the most seen, the median, samples taken. */
  connectionsMax: number;
  connectionsMedian: number;
  connectionSamples: number;
  /** The probes' connections still open on the server 5 s after every probe was disabled (the watcher still running): any would be a leak. */
  connectionsAfterStop: number;
  /** The server's max_connections (the test helper's): more probe connections than its free slots would fail checks. */
  maxConnections: number;
  driftP50Ms: number | null;
  driftP99Ms: number | null;
  downAtEnd: number;
  reasons: string[];
}

/**
 * `deadpool watcher` alone with N sql_probe probes (`driver: postgres`, `SELECT 1`) against a
 * PostgreSQL 15 of its own (test/helpers/postgres.ts: 127.0.0.1, scram-sha-256 over TCP, run as
 * nobody under root, max_connections = probes + 20). Over a window: the watcher's CPU, the server's
 * CPU, and the probes' connections open on the server, counted every 100 ms through a separate
 * client (the superuser, over the unix socket).
 */
export async function measureSql(options: SqlOptions): Promise<SqlResult> {
  // Room for every probe's connection at once and more: the server must not be what caps the count.
  const pg = await startPostgres({ maxConnections: options.probes + 20 });
  try {
    const postmaster = pg.pid;
    const query = `{ driver: postgres, server: 127.0.0.1, port: ${pg.port}, user: ${pg.user}, pass: '${pg.password}', db_name: ${pg.database}, query: 'SELECT 1' }`;
    const probes: ModuleProbeDef[] = Array.from({ length: options.probes }, (_, i) => ({ name: `s${i}`, module: 'sql_probe', period: options.periodS, query }));
    const deadpool = await startDeadpool({ probes, web: false });
    try {
      await waitForFirstRound(deadpool, options.probes, 120_000);
      await sleep(options.warmupS * 1000);
      const samples: number[] = [];
      const w = await watcherWindow(deadpool, {
        windowS: options.windowS,
        sampleEveryMs: 100,
        others: { server: postmaster },
        sample: async () => void samples.push(await pg.connections()),
      });
      const serverCpu = w.othersCpuSeconds['server']!;
      const sorted = [...samples].sort((a, b) => a - b);
      const result = {
        ...options,
        checksPerS: w.checksPerS,
        watcherCpuPercent: round((w.cpuSeconds / w.seconds) * 100, 1),
        cpuPerCheckUs: round((w.cpuSeconds / Math.max(1, w.checks)) * 1e6),
        serverCpuPercent: round((serverCpu / w.seconds) * 100, 1),
        connectionsMax: sorted.at(-1) ?? Number.NaN,
        connectionsMedian: sorted[sorted.length >> 1] ?? Number.NaN,
        connectionSamples: samples.length,
        maxConnections: pg.maxConnections,
        driftP50Ms: w.driftP50Ms,
        driftP99Ms: w.driftP99Ms,
        downAtEnd: w.downAtEnd,
        reasons: w.reasons,
      };
      // A leak shows once no check runs, while the watcher process still lives (its exit would
      // close any socket it leaked): disable every probe through a live config edit, wait for the
      // watcher to stop running them, then for the server to end their backends (up to 5 s).
      await writeFile(deadpool.config, (await readFile(deadpool.config, 'utf8')).replaceAll('{ module: sql_probe,', '{ isEnabled: False, module: sql_probe,'));
      for (const end = Date.now() + 30_000; ; await sleep(100)) {
        const state = await deadpool.readState();
        if (state?.running.size === 0) break;
        if (Date.now() > end) throw new Error(`the watcher still runs ${state?.running.size ?? '(no state file)'} sql probes 30 s after they were disabled: ${deadpool.watcher?.output.slice(-500)}`);
      }
      let connectionsAfterStop = await pg.connections();
      for (const end = Date.now() + 5000; connectionsAfterStop > 0 && Date.now() < end; connectionsAfterStop = await pg.connections()) await sleep(100);
      return { ...result, connectionsAfterStop };
    } finally {
      await deadpool.stop();
    }
  } finally {
    await pg.stop();
  }
}

