import os from 'node:os';
import type { HangupSource } from '../config/LiveConfig.ts';
import { sendReady, sendStatus } from '../supervisor/readyMessage.ts';
import type { SignalSource } from './waitForSignal.ts';

/** What a command may touch besides its config: passed in so tests run commands in-process. */
export interface CommandIO {
  out(text: string): void;
  err(text: string): void;
  signals: SignalSource & HangupSource;
  env: NodeJS.ProcessEnv;
  /** Epoch ms: when an ack or a drain starts and ends. */
  now(): number;
  /** Who runs the command: named in acks and drains unless `--user` says otherwise. */
  user(): string;
  /** A long-running command is up (listening, probing): tells `deadpool run`, when it is the parent. */
  ready?(): void;
  /** Ends the process now: for a long-running command that stopped but is kept alive by something it could not close. */
  exit?(code: number): void;
  /** The answer changed (or is the same, a second later): tells `deadpool run`, which tells systemd. */
  status?(text: string, settled: boolean): void;
}

export const processIO: CommandIO = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  signals: process,
  env: process.env,
  now: Date.now,
  user: () => os.userInfo().username,
  ready: sendReady,
  exit: (code) => process.exit(code),
  status: sendStatus,
};
