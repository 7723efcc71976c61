import { rm } from 'node:fs/promises';
import { sleep } from './stats.ts';
import { startDc } from './startDc.ts';

export interface LiesPhase {
  what: string;
  seconds: number;
  answers: number;
  /** 200 answers while the DC was failing: lies. */
  lies: number;
  /** Answers that were neither 200 nor 503 (0 = no answer at all). */
  other: number;
}

export interface LiesResult {
  pollGapMs: number;
  phases: LiesPhase[];
  lies: number;
  answers: number;
}

const POLL_GAP_MS = 2;

/**
 * A DC whose elastic backend fails the whole time, polled every 2 ms: through 30 s of sustained
 * failure, through a frozen watcher (SIGSTOP for longer than period + timeout + stale_grace,
 * then SIGCONT), and through the flag folder being deleted again and again. Any 200 is a lie.
 */
/** `rm -rf` of a folder the watcher may be writing into (or recreating) at that moment: retried. */
async function removeFolder(folder: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await rm(folder, { recursive: true, force: true });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOTEMPTY' || attempt >= 20) throw error;
    }
  }
}

export async function measureLies(options: { sustainedS: number; frozenS: number; removals: number }): Promise<LiesResult> {
  const dc = await startDc({ healthy: false });
  const watcher = dc.deadpool.watcher!;
  const poller = dc.poll(POLL_GAP_MS);
  const phases: LiesPhase[] = [];
  const phase = async (what: string, body: () => Promise<void>): Promise<void> => {
    poller.reset();
    const started = performance.now();
    await body();
    const answers = poller.total;
    const lies = poller.count(200);
    phases.push({ what, seconds: Math.round((performance.now() - started) / 100) / 10, answers, lies, other: answers - lies - poller.count(503) });
  };
  try {
    await phase('sustained failure', () => sleep(options.sustainedS * 1000));
    await phase(`watcher frozen (SIGSTOP ${options.frozenS} s, then SIGCONT)`, async () => {
      watcher.process.kill('SIGSTOP');
      await sleep(options.frozenS * 1000);
      watcher.process.kill('SIGCONT');
      await sleep(3000);
    });
    await phase(`flag folder removed (rm -rf, ${options.removals} times, 2 s apart)`, async () => {
      for (let i = 0; i < options.removals; i++) {
        await removeFolder(dc.deadpool.folder);
        await sleep(2000);
      }
    });
  } finally {
    await poller.stop();
    await dc.stop();
  }
  return {
    pollGapMs: POLL_GAP_MS,
    phases,
    lies: phases.reduce((sum, p) => sum + p.lies, 0),
    answers: phases.reduce((sum, p) => sum + p.answers, 0),
  };
}
