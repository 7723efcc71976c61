import path from 'node:path';
import { startAgent } from '../agent/startAgent.ts';
import type { AgentServer } from '../agent/startAgentServer.ts';
import { systemClock } from '../clock/Clock.ts';
import { LiveConfig } from '../config/LiveConfig.ts';
import { readConfigInWorker } from '../config/readConfigInWorker.ts';
import { restartNeeded } from '../config/restartNeeded.ts';
import { createProcessLogger } from '../log/createProcessLogger.ts';
import { AuthFailureReport } from '../web/AuthFailureReport.ts';
import { createApp } from '../web/createApp.ts';
import { FlagView } from '../web/FlagView.ts';
import { logAnswerChanges } from '../web/logAnswerChanges.ts';
import { logMarkChanges } from '../web/logMarkChanges.ts';
import { MarksView } from '../web/MarksView.ts';
import { memoizedVerdicts } from '../web/memoizedVerdicts.ts';
import { healthModel, type HealthModel } from '../verdict/healthModel.ts';
import { readToken } from '../web/readToken.ts';
import { startServer } from '../web/startServer.ts';
import { WatcherStateView } from '../web/WatcherStateView.ts';
import { MAX_FORCE_WAIT_MS } from '../watcher-link/forceProtocol.ts';
import { SharedForceChecks } from '../watcher-link/SharedForceChecks.ts';
import { SharedWatcherMetrics } from '../watcher-link/watcherMetrics.ts';
import type { CommandIO } from './CommandIO.ts';
import { EXIT, type ExitCode } from './exitCodes.ts';
import { stopRequested } from './stopRequested.ts';
import { within } from './waitForSignal.ts';
import { supervisorPid } from './followParent.ts';
import { inheritedFd, takeInheritedSockets } from '../systemd/inheritedSockets.ts';
import { sdNotify, takeNotifySettings } from '../systemd/sdNotify.ts';
import { ServiceReporter } from '../systemd/ServiceReporter.ts';
import { spawnNotify } from '../systemd/spawnNotify.ts';
import { reportAnswer } from '../web/reportAnswer.ts';
import { keepTickMapAlive } from '../web/keepTickMapAlive.ts';

/** The token of the bundled config.yaml: fine for the README's first curl, never for production. */
const EXAMPLE_TOKEN = 'change-me';

/** `deadpool web`: answers Cloudflare's monitor from memory, following config.yaml as it changes. */
export async function webCommand(configFile: string, io: CommandIO): Promise<ExitCode> {
  void keepTickMapAlive();
  // From systemd, or from `deadpool run` handing its own on; taken out of io.env at once.
  const sockets = takeInheritedSockets(io.env, { pid: process.pid, supervisorPid: supervisorPid(io.env, process.ppid) });
  const systemd = takeNotifySettings(io.env, process.pid);
  const first = await readConfigInWorker(configFile);
  const { config } = first;
  const { logger: log, close } = createProcessLogger(config.Generic.log, 'web', { write: io.out, dc: config.WEB.name });
  for (const warning of sockets.warnings) log.warning(warning);
  const agentFd = inheritedFd(sockets, 'agent');
  if (agentFd !== undefined && config.Agent === undefined) log.warning('socket activation: an "agent" socket was passed, but config.yaml has no Agent section: not used');
  const webFd = inheritedFd(sockets, 'web');
  // Standalone under systemd (a unit of its own): this process is the one systemd hears. Under `deadpool run` the supervisor is.
  const reporter = new ServiceReporter({ notify: sdNotify({ socket: systemd.socket, spawn: spawnNotify, log }), watchdogMs: systemd.watchdogMs, unhealthy: () => undefined, log });
  let access = await readToken(config.WEB, io.env);
  const warnAboutToken = (): void => {
    if (access.token === undefined) log.warning('no access token configured: the responder answers anyone (set DEADPOOL_ACCESS_TOKEN or WEB.access_token_file)');
    else if (access.token === EXAMPLE_TOKEN) log.warning(`the access token is the bundled example "${EXAMPLE_TOKEN}": change it before exposing this port`);
    else log.info(`access token from ${access.from}`);
  };
  warnAboutToken();
  const stop = stopRequested(io, log);

  const folder = config.WatchMan.probe_status_folder;
  const folderName = `${path.basename(folder)}/`;
  const flags = new FlagView({ folder, logger: log });
  const heartbeat = new WatcherStateView(folder);
  const marks = new MarksView(folder);
  await Promise.all([flags.ready, heartbeat.ready, marks.ready]);

  const live = new LiveConfig(first, {
    log,
    signals: io.signals,
    // Probe modules are the watcher's business: a module option it refuses shows as that probe not checked.
    load: (current) => readConfigInWorker(current.file),
    // The services folder's scripts are probes the responder must expect: it lists them itself.
    scriptFolders: config.WatchMan.services_folder === undefined ? [] : [config.WatchMan.services_folder],
    apply: async (next, previous) => {
      for (const key of restartNeeded(previous.config, next.config, 'web')) log.warning(`${key} changed: restart the responder to apply it`);
      try {
        const nextAccess = await readToken(next.config.WEB, io.env);
        if (nextAccess.token !== access.token || nextAccess.from !== access.from) {
          access = nextAccess;
          warnAboutToken();
        }
      } catch (error) {
        log.error(`${(error as Error).message}; keeping the previous token`);
      }
    },
  });
  // One model per loaded config (not one per request): the responder reuses its answers while their inputs stay the same objects.
  let modelOf: typeof live.current | undefined;
  let model: HealthModel | undefined;
  const currentModel = (): HealthModel => {
    if (live.current !== modelOf || !model) {
      modelOf = live.current;
      model = healthModel(modelOf.config, modelOf.services.map((service) => service.name));
    }
    return model;
  };
  const sources = {
    getModel: currentModel,
    getState: () => flags.state,
    getMarks: () => marks.current,
    getFreshness: () => ({ watcher: heartbeat.current, now: Date.now(), graceMs: live.current.config.WatchMan.stale_grace * 1000, folderName }),
  };
  const verdicts = memoizedVerdicts(sources);
  const unauthorized = new AuthFailureReport({ logger: log });
  const forceChecks = new SharedForceChecks(folder);
  const forced = { check: (names: readonly string[]) => forceChecks.force(names, MAX_FORCE_WAIT_MS), rescanFlags: () => flags.rescan() };
  const watcherMetrics = new SharedWatcherMetrics(folder);
  const app = createApp({ ...sources, verdicts, forced, watcherMetrics: (budgetMs) => watcherMetrics.get(budgetMs), getWebConfig: () => live.current.config.WEB, getToken: () => access.token, onUnauthorized: (remote) => unauthorized.add(remote), logger: log });
  let changes: { close(): void } | undefined;
  let markChanges: { close(): void } | undefined;
  let agent: AgentServer | undefined;
  let answerReport: { close(): void } | undefined;
  const shutdown = (): Promise<unknown> => {
    changes?.close();
    markChanges?.close();
    answerReport?.close();
    unauthorized.close();
    return Promise.all([flags.close(), heartbeat.close(), marks.close(), live.close(), agent?.close()]);
  };
  let server;
  try {
    server = await startServer(app, { host: config.WEB.host, port: config.WEB.port, ...(webFd === undefined ? {} : { fd: webFd }), closeGraceMs: 1000 });
    if (config.Agent !== undefined) {
      const started = config.Agent;
      // A reload that removes Agent keeps the listener (restartNeeded warns): it answers for the config it started with.
      agent = await startAgent({
        agent: started,
        getAgent: () => live.current.config.Agent ?? started,
        verdicts,
        clock: systemClock,
        logger: log,
        ...(agentFd === undefined ? {} : { listen: { fd: agentFd } }),
      });
    }
  } catch (error) {
    await Promise.all([shutdown(), server?.close()]);
    throw error;
  }
  // From here on, "now answering" is true.
  markChanges = logMarkChanges({ marks: () => marks.current, now: Date.now, logger: log, changes: [(l) => marks.onChange(l)] });
  changes = logAnswerChanges({
    verdicts,
    pools: () => currentModel().pools.keys(),
    logger: log,
    changes: [(l) => flags.onChange(l), (l) => heartbeat.onChange(l), (l) => marks.onChange(l)],
  });
  await live.start();
  const host = webFd === undefined ? config.WEB.host : server.address.address;
  const inherited = webFd === undefined ? '' : ` (the socket passed by systemd, fd ${webFd})`;
  log.info(`answering on http://${host}:${server.address.port}${config.WEB.base_url}${inherited} for ${currentModel().probes.size} enabled probe(s)${poolsText(currentModel())}; flags in ${folder}`);
  if (agent && config.Agent) {
    const agentHost = agentFd === undefined ? config.Agent.host : agent.address.address;
    const agentInherited = agentFd === undefined ? '' : ` (the socket passed by systemd, fd ${agentFd})`;
    const weight = config.Agent.weight === 'cpu' ? `the idle CPU over ${config.Agent.cpu_timeframe_ms} ms` : `${config.Agent.weight}%`;
    log.info(`HAProxy agent answering on ${agentHost}:${agent.address.port}${agentInherited} for ${config.Agent.pool === undefined ? 'the base URL' : `pool ${config.Agent.pool}`}, weight ${weight}`);
  }
  // After the line above: under `deadpool run` the supervisor's READY=1 follows the first report.
  answerReport = reportAnswer({
    answer: () => verdicts(),
    report: (text, settled) => {
      io.status?.(text, settled);
      reporter.status(text);
      if (settled) reporter.markReady();
    },
    changes: [(l) => flags.onChange(l), (l) => heartbeat.onChange(l), (l) => marks.onChange(l)],
  });
  reporter.start();
  io.ready?.();
  await stop;
  await within(2000, Promise.all([reporter.stopping(), server.close(), shutdown()]));
  await close(300);
  return EXIT.OK;
}

function poolsText(model: HealthModel): string {
  const paths = [...model.pools.values()].map((pool) => `${pool.path} (${pool.name})`);
  return paths.length === 0 ? '' : ` and pools at ${paths.join(', ')}`;
}
