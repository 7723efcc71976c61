#!/usr/bin/env node
// TypeScript runs as is through tsx: no build step between a checkout (or an edited probe) and a run.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv);
