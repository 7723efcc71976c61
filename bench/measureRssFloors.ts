import { fileURLToPath } from 'node:url';
import { readProcStats } from './readProcStats.ts';
import { spawnChild } from './spawnChild.ts';
import { round, sleep } from './stats.ts';

export interface RssFloors {
  /** An idle `node` process. */
  nodeMb: number;
  /** An idle `node --import tsx` process: what running TypeScript without a build costs (tsx's loader thread). */
  nodeWithTsxMb: number;
}

/** The RSS every DeadPool process starts from, before any of its own code: context for the memory targets. */
export async function measureRssFloors(): Promise<RssFloors> {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const idle = async (args: string[]): Promise<number> => {
    const child = spawnChild(process.execPath, [...args, '-e', 'setTimeout(() => {}, 10000)'], { cwd: root });
    await sleep(2500);
    const rss = readProcStats(child.pid).rssMb;
    await child.stop();
    return round(rss, 1);
  };
  return { nodeMb: await idle([]), nodeWithTsxMb: await idle(['--import', 'tsx']) };
}
