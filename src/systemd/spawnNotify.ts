import { spawn } from 'node:child_process';
import type { SpawnNotify } from './sdNotify.ts';

/** Runs `systemd-notify` with only stderr kept (its reason when it fails). */
export const spawnNotify: SpawnNotify = (command, args, env) => spawn(command, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
