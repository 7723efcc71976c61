import { spawn, type StdioOptions } from 'node:child_process';
import path from 'node:path';
import { loadConfig } from '../config/loadConfig.ts';
import { createProcessLogger } from '../log/createProcessLogger.ts';
import { Supervisor } from '../supervisor/Supervisor.ts';
import type { CommandIO } from './CommandIO.ts';
import { PARENT_ENV } from './followParent.ts';
import { NODE_FLAGS } from './nodeFlags.ts';
import { PACKAGE_ROOT } from './packageRoot.ts';
import { EXIT, type ExitCode } from './exitCodes.ts';
import { waitForSignal } from './waitForSignal.ts';
import { handOn, takeInheritedSockets } from '../systemd/inheritedSockets.ts';
import { sdNotify, takeNotifySettings } from '../systemd/sdNotify.ts';
import { spawnNotify } from '../systemd/spawnNotify.ts';
import { SupervisorReport } from '../systemd/supervisorReport.ts';
import { watcherProgress } from '../systemd/watcherProgress.ts';

const BIN = path.join(PACKAGE_ROOT, 'bin', 'deadpool.js');

/**
 * `deadpool run` (= `npm start`): the watcher and the responder as two supervised child
 * processes sharing this one's stdout. The config is validated first so a typo exits 2 here
 * instead of sending both children into a restart loop; a child that still cannot start (a
 * missing token file, a port in use) stops both, and this command exits with the child's code
 * and prints the child's message.
 */
export async function runCommand(configFile: string, io: CommandIO): Promise<ExitCode> {
  // Taken out of io.env first, so no child inherits them: systemd's sockets go to the responder
  // only, and only this process (systemd's MAINPID) speaks to systemd.
  const sockets = takeInheritedSockets(io.env, { pid: process.pid });
  const systemd = takeNotifySettings(io.env, process.pid);
  const { config, file } = await loadConfig(configFile);
  const { logger: log, close } = createProcessLogger(config.Generic.log, 'supervisor', { write: io.out, dc: config.WEB.name });
  for (const warning of sockets.warnings) log.warning(warning);
  const report = new SupervisorReport({
    notify: sdNotify({ socket: systemd.socket, spawn: spawnNotify, log }),
    watchdogMs: systemd.watchdogMs,
    watcher: () => watcherProgress(config.WatchMan.probe_status_folder, Date.now(), config.WatchMan.stale_grace * 1000),
    log,
  });
  // The responder gets the sockets at fds 3, 4, … and the IPC channel after them (sd_listen_fds counts from 3).
  const passed = handOn(sockets, process.pid);
  const supervisor = new Supervisor({
    children: (['watcher', 'web'] as const).map((name) => ({ name, command: process.execPath, args: [...NODE_FLAGS[name], BIN, name, '-c', file] })),
    // stdout is the children's own log lines, already formatted; stderr is what they did not log
    // (Node warnings, crash traces), turned into records here; the IPC channel says when each is ready.
    spawn: ({ name, command, args }) => {
      const web = name === 'web';
      const stdio: StdioOptions = ['ignore', 'inherit', 'pipe', ...(web ? passed.fds : []), 'ipc'];
      return spawn(command, args, { stdio, env: { ...io.env, ...(web ? passed.env : {}), [PARENT_ENV]: String(process.pid) } });
    },
    onMessage: (child, message) => report.onMessage(child, message),
    log,
  });
  const signal = waitForSignal(io.signals);
  // Both children reload their config on SIGHUP; `kill -HUP <supervisor>` should mean the same.
  const hangup = (): void => supervisor.signal('SIGHUP');
  io.signals.on('SIGHUP', hangup);
  supervisor.start();
  report.start();
  const outcome = await Promise.race([signal, supervisor.failed]);
  io.signals.off('SIGHUP', hangup);
  let code: ExitCode = EXIT.OK;
  if (typeof outcome === 'string') log.info(`${outcome}: stopping the watcher and the responder`);
  else {
    code = outcome.code;
    io.err(outcome.lines.length > 0 ? `${outcome.lines.join('\n')}\n` : `deadpool: ${outcome.name} exited with code ${code} before it was ready\n`);
    log.error(`stopping: ${outcome.name} cannot start`);
  }
  // STOPPING=1 goes out as the children are told to stop, not after.
  await Promise.all([report.stopping(), supervisor.stop()]);
  log.info('stopped');
  await close(500);
  return code;
}
