import { readFileSync } from 'node:fs';

/** package.json's version: src/cli/ and dist/cli/ are both two folders below it. */
export const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
