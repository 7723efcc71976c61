import path from 'node:path';
import type { RunCommand } from '../actions/RunCommand.ts';
import type { Clock } from '../clock/Clock.ts';
import type { NotifierConfig } from '../config/schema.ts';
import type { Logger } from '../log/Logger.ts';
import { commandTarget } from './commandTarget.ts';
import { Notifier, type NotifierDeps, type NotifierTarget } from './Notifier.ts';
import type { NotifierEvent } from './NotifierEvent.ts';
import { notifierScripts } from './notifierScripts.ts';
import type { PostJson } from './postJson.ts';
import { webhookTarget } from './webhookTarget.ts';

export interface NotifiersDeps extends Omit<NotifierDeps, 'log' | 'clock'> {
  clock: Clock;
  log: Logger;
  run: RunCommand;
  post: PostJson;
  /** Where commands run (config.yaml's folder). */
  cwd: string;
  /** How often the notifiers folder is listed for scripts added or removed. */
  folderPollMs?: number;
}

export interface NotifiersSettings {
  notifiers: Readonly<Record<string, NotifierConfig>>;
  folder: string | undefined;
}

/** Timeout of a notifiers folder script. */
export const SCRIPT_TIMEOUT_S = 10;

/**
 * Every notifier: those of `notifiers:` and one per script of `WatchMan.notifiers_folder`
 * (named `folder:<file>`). Each event goes to each of them; one slow or dead never holds back
 * another. A reload keeps each notifier's queue and gives it its new settings.
 */
export class Notifiers {
  readonly #deps: NotifiersDeps;
  readonly #byName = new Map<string, Notifier>();
  #settings: NotifiersSettings = { notifiers: {}, folder: undefined };
  #scripts: string[] = [];
  #timer: unknown;
  #stopped = false;

  constructor(deps: NotifiersDeps) {
    this.#deps = deps;
  }

  get all(): ReadonlyMap<string, Notifier> {
    return this.#byName;
  }

  /** Applies new settings; resolves once the folder was listed. */
  async update(settings: NotifiersSettings): Promise<void> {
    this.#settings = settings;
    this.#scripts = settings.folder === undefined ? [] : await notifierScripts(settings.folder);
    this.#apply();
  }

  /** Lists the folder from time to time (a script dropped in is a new notifier). */
  start(): void {
    const tick = (): void => {
      if (this.#stopped) return;
      this.#timer = this.#deps.clock.setTimeout(() => {
        const folder = this.#settings.folder;
        if (folder === undefined) return tick();
        void notifierScripts(folder).then((scripts) => {
          if (this.#stopped || folder !== this.#settings.folder) return tick();
          if (scripts.join('\n') !== this.#scripts.join('\n')) {
            this.#scripts = scripts;
            this.#apply();
          }
          tick();
        });
      }, this.#deps.folderPollMs ?? 2000);
    };
    tick();
  }

  publish(event: NotifierEvent): void {
    for (const notifier of this.#byName.values()) notifier.publish(event);
  }

  stop(): void {
    this.#stopped = true;
    this.#deps.clock.clearTimeout(this.#timer);
    for (const notifier of this.#byName.values()) notifier.stop();
  }

  #apply(): void {
    const { run, post, cwd, log } = this.#deps;
    const wanted = new Map<string, NotifierTarget>();
    for (const [name, config] of Object.entries(this.#settings.notifiers)) {
      if (config.webhook) wanted.set(name, webhookTarget(config.webhook, config.attempts, post));
      else if (config.command) wanted.set(name, commandTarget(config.command, { timeoutS: config.timeout, attempts: config.attempts, cwd, run }));
    }
    const folder = this.#settings.folder;
    if (folder !== undefined) {
      for (const script of this.#scripts) {
        const file = path.join(folder, script);
        wanted.set(`folder:${script}`, commandTarget([file], { timeoutS: SCRIPT_TIMEOUT_S, attempts: undefined, cwd: folder, run, describe: `script ${file}` }));
      }
    }
    for (const [name, notifier] of this.#byName) {
      if (wanted.has(name)) continue;
      notifier.stop();
      this.#byName.delete(name);
      log.info(`notifier ${name} removed`, { notifier: name });
    }
    for (const [name, target] of wanted) {
      const notifier = this.#byName.get(name);
      if (notifier) {
        notifier.retarget(target);
        continue;
      }
      this.#byName.set(name, new Notifier(name, target, { ...this.#deps, log: this.#deps.log.child({ notifier: name }) }));
      log.info(`notifier ${name}: ${target.describe}`, { notifier: name });
    }
  }
}
