import { Actions } from '../actions/Actions.ts';
import type { RunCommand } from '../actions/RunCommand.ts';
import { LiveConfig } from '../config/LiveConfig.ts';
import { loadConfig, moduleFolders } from '../config/loadConfig.ts';
import { restartNeeded } from '../config/restartNeeded.ts';
import path from 'node:path';
import { FlagStore } from '../flag-store/FlagStore.ts';
import { FolderLock, LOCK_FILE } from '../flag-store/FolderLock.ts';
import { createProcessLogger } from '../log/createProcessLogger.ts';
import { probeEvent, verdictEvent } from '../notifiers/events.ts';
import { Notifiers } from '../notifiers/Notifiers.ts';
import { lazyPostJson } from '../notifiers/lazyPostJson.ts';
import { execClient } from '../probe-kit/execClient.ts';
import { healthModel, slug } from '../verdict/healthModel.ts';
import { readMarks } from '../marks/readMarks.ts';
import { GraphiteSender } from '../watcher/GraphiteSender.ts';
import { graphiteBatch } from '../watcher/graphiteBatch.ts';
import { systemClock } from '../clock/Clock.ts';
import { ForceServer } from '../watcher/ForceServer.ts';
import { StickyKeeper } from '../watcher/StickyKeeper.ts';
import { VerdictWatch } from '../watcher/VerdictWatch.ts';
import { WatcherMetrics } from '../watcher/WatcherMetrics.ts';
import { FolderUnusableError, Watcher } from '../watcher/Watcher.ts';
import type { CommandIO } from './CommandIO.ts';
import { EXIT, type ExitCode } from './exitCodes.ts';
import { stopRequested } from './stopRequested.ts';
import { within } from './waitForSignal.ts';
import { sdNotify, takeNotifySettings } from '../systemd/sdNotify.ts';
import { spawnNotify } from '../systemd/spawnNotify.ts';
import { watcherProgress } from '../systemd/watcherProgress.ts';
import { watcherReport } from '../systemd/watcherReport.ts';
import { LISTEN_ENV } from '../systemd/inheritedSockets.ts';

/** Checks in flight are aborted on SIGTERM/SIGINT; this bounds how long the exit may wait for them. */
const STOP_BUDGET_MS = 1500;
/** How long a stopped watcher may take to end by itself before it is ended. */
const LINGER_MS = 5000;

/**
 * `deadpool watcher`: probe on schedule, keep `<name>.dead` flags, follow config.yaml as it
 * changes, until SIGTERM/SIGINT.
 */
export async function watcherCommand(configFile: string, io: CommandIO): Promise<ExitCode> {
  // Taken out before any probe command can inherit them; a watcher listens on no socket.
  const systemd = takeNotifySettings(io.env, process.pid);
  for (const key of LISTEN_ENV) delete io.env[key];
  const first = await loadConfig(configFile);
  const { config, probes, label } = first;
  const { logger: log, close } = createProcessLogger(config.Generic.log, 'watcher', { write: io.out, dc: config.WEB.name });
  const flags = new FlagStore(config.WatchMan.probe_status_folder);
  let staleGraceMs = config.WatchMan.stale_grace * 1000;
  let lockLost: number | undefined;
  let loseLock: (why: string) => void = () => undefined;
  const stop = Promise.race([stopRequested(io, log), new Promise<string>((resolve) => (loseLock = resolve))]);
  let model = healthModel(config, first.services.map((service) => service.name));
  let sticky: StickyKeeper | undefined;
  const metrics = new WatcherMetrics(() => watcher.probes);
  let verdicts: VerdictWatch | undefined;
  // Actions and notifiers run here, never in the responder (it faces the network), and their
  // commands through the exec helper: a slow or hanging one never delays a check or the heartbeat.
  const run: RunCommand = (request, signal, onStarted) => execClient.run(request, signal, log, onStarted);
  const cwd = path.dirname(first.file);
  const actions = new Actions({ run, clock: systemClock, log, cwd });
  const notifiers = new Notifiers({ run, post: lazyPostJson, clock: systemClock, log, cwd });
  const watcher = new Watcher({
    flags,
    log,
    staleGraceMs: () => staleGraceMs,
    onCheck: (event) => metrics.record(event),
    // A probe going down may fail a sticky category or turn a verdict: looked at once, not at the
    // next periodic look. Announced as the state changes, so the probe's event goes out before the
    // verdict's change it causes.
    onChange: (event) => {
      if (!event.transition) return;
      void sticky?.check();
      void verdicts?.check(event.at);
      const { from, to } = event.transition;
      // Every probe's first pass at start-up is no news.
      if (notifiers.all.size === 0 || (from === 'pending' && to === 'up')) return;
      const loop = watcher.probes.get(event.probe);
      const change = { probe: event.probe, module: loop?.spec.moduleName ?? '', from, to, reason: event.reason, since: loop?.stateSince ?? event.at };
      notifiers.publish(probeEvent(model.name, change, systemClock.now()));
    },
    onLockLost: (holder) => {
      lockLost = holder;
      log.error(`another watcher (pid ${holder}) took the lock of ${flags.folder}: stopping this one`);
      loseLock('lock lost');
    },
  });
  // A skipped script or a disabled probe's problem is said once, not at every reload.
  const warned = new Set<string>();
  const warnOnce = (line: string): void => {
    if (warned.has(line)) return;
    warned.add(line);
    log.warning(line);
  };
  for (const line of first.warnings) warnOnce(line);
  try {
    await watcher.prepareFolder();
    const outcome = await FolderLock.take(flags.folder);
    if (!outcome.taken) throw new FolderUnusableError(`another watcher (pid ${outcome.heldBy}) holds the flag folder ${flags.folder} (lock file ${path.join(flags.folder, LOCK_FILE)}); one watcher per folder`);
    if (outcome.tookOverFrom !== undefined) log.warning(`took over the lock of ${flags.folder} from pid ${outcome.tookOverFrom}, which is not running any more`);
    watcher.holdLock(outcome.lock);
  } catch (error) {
    if (error instanceof FolderUnusableError) log.error(error.message);
    await close(300);
    throw error;
  }
  await watcher.start(probes);
  sticky = new StickyKeeper({ folder: flags.folder, model: () => model, snapshot: () => watcher.snapshot(), clock: systemClock, log });
  sticky.start();
  actions.update(config.actions);
  await notifiers.update({ notifiers: config.notifiers, folder: config.WatchMan.notifiers_folder });
  notifiers.start();
  verdicts = new VerdictWatch({
    folder: flags.folder,
    model: () => model,
    snapshot: () => watcher.snapshot(),
    clock: systemClock,
    log,
    active: () => actions.runners.size > 0 || notifiers.all.size > 0,
    onChange: (change) => {
      actions.onChange(change);
      // The first verdict after a start is no news to a notifier (a restart would page everyone).
      if (change.from !== undefined) notifiers.publish(verdictEvent(model.name, change, systemClock.now()));
    },
  });
  verdicts.start();
  // After the lock: the socket's name in the folder is this watcher's from now on.
  const forced = new ForceServer({ folder: flags.folder, probes: () => watcher.probes, log, clock: systemClock, metrics: () => metrics.text() });
  await forced.start();
  const graphite = config.Generic.graphite;
  const sender =
    graphite === undefined
      ? undefined
      : new GraphiteSender({
          server: graphite.server,
          port: graphite.port,
          intervalMs: graphite.interval * 1000,
          clock: systemClock,
          log,
          batch: graphiteBatch({
            prefix: graphite.prefix ?? `deadpool.${slug(config.WEB.name)}`,
            model: () => model,
            snapshot: () => watcher.snapshot(),
            probes: () => watcher.probes,
            readMarks: () => readMarks(flags.folder),
            now: () => systemClock.now(),
          }),
        });
  sender?.start();
  const live = new LiveConfig(first, {
    log,
    signals: io.signals,
    load: (current) => loadConfig(current.file, { modules: current.modules }),
    moduleFolders: moduleFolders(config),
    scriptFolders: config.WatchMan.services_folder === undefined ? [] : [config.WatchMan.services_folder],
    apply: async (next, previous) => {
      for (const key of restartNeeded(previous.config, next.config, 'watcher')) log.warning(`${key} changed: restart the watcher to apply it`);
      staleGraceMs = next.config.WatchMan.stale_grace * 1000;
      for (const line of next.warnings) warnOnce(line);
      await watcher.apply(next.probes);
      model = healthModel(next.config, next.services.map((service) => service.name));
      actions.update(next.config.actions);
      await notifiers.update({ notifiers: next.config.notifiers, folder: next.config.WatchMan.notifiers_folder });
      void verdicts?.check();
    },
    refused: (problems) => watcher.refusedConfig(problems),
  });
  await live.start();
  log.info(`watching ${watcher.probes.size} enabled probe(s) of ${label}; flags in ${flags.folder}`);
  if (watcher.probes.size === 0) log.warning('no enabled probes: the responder will answer 200 OK with nothing checked');
  io.ready?.();
  const report = watcherReport({
    notify: sdNotify({ socket: systemd.socket, spawn: spawnNotify, log }),
    watchdogMs: systemd.watchdogMs,
    progress: () => watcherProgress(flags.folder, Date.now(), staleGraceMs),
    log,
  });
  await stop;
  sender?.stop();
  notifiers.stop();
  const stopped = Promise.all([report.stopping(), forced.close(), live.close(), watcher.stop(), sticky.stop(), verdicts.stop(), actions.stop()]);
  if (!(await within(STOP_BUDGET_MS, stopped))) log.warning('some checks did not stop in time; exiting anyway');
  await close(300);
  const code = lockLost === undefined ? EXIT.OK : EXIT.INTERNAL;
  // Everything was stopped, so the process should end as soon as this returns. Should a handle
  // stay open (a socket, a child, a timer), say which and end anyway: a watcher that outlives its
  // stop keeps the folder's lock from the next one. (Seen twice in about twelve loaded runs of
  // test/cli/hangingActions.test.ts, cause not found.)
  setTimeout(() => {
    io.err(`deadpool watcher: still running ${LINGER_MS / 1000} s after stopping, kept alive by ${process.getActiveResourcesInfo().join(', ')} (exec helpers ${execClient.helperPids.join(' ') || 'none'}, commands ${execClient.commandPids.join(' ') || 'none'}): exiting\n`);
    io.exit?.(code);
  }, LINGER_MS).unref();
  return code;
}
