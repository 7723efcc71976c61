import type { HangupSource } from '../config/LiveConfig.ts';
import type { SignalSource } from './waitForSignal.ts';

/** What a command may touch besides its config: passed in so tests run commands in-process. */
export interface CommandIO {
  out(text: string): void;
  err(text: string): void;
  signals: SignalSource & HangupSource;
  env: NodeJS.ProcessEnv;
}

export const processIO: CommandIO = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  signals: process,
  env: process.env,
};
