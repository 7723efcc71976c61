import type { PostJson } from './postJson.ts';

/**
 * axios is loaded at the first webhook delivery, not at start: every `deadpool` command, the
 * responder included, imports the watcher's command module, and axios with its dependencies took
 * about 15 MB of RSS and 0.1 s of CPU from each of them (`deadpool --version`: 70 → 85 MB).
 */
export const lazyPostJson: PostJson = async (url, body, headers, signal) => (await import('./postJson.ts')).axiosPostJson(url, body, headers, signal);
