import type { Logger, LogFields } from '../log/Logger.ts';
import { markActive, type Mark, type Marks } from '../marks/Mark.ts';
import { isoSeconds } from '../marks/markFormat.ts';
import { systemClock, type Clock } from '../clock/Clock.ts';
import { checkOnChange } from './checkOnChange.ts';

export interface MarkChangeDeps {
  marks: () => Marks;
  /** Epoch ms: acks and drains expire by themselves, and that is a change too. */
  now: () => number;
  logger: Logger;
  /** Sources whose changes can change the marks (the marks view): each takes a listener and returns its unsubscribe. */
  changes: ((listener: () => void) => () => void)[];
  clock?: Clock;
  recheckMs?: number;
}

/**
 * Logs every ack, drain, maintenance and sticky mark once when it appears (who, what, why, until when), when it
 * ends (removed or expired) and when its file cannot be used; the marks found at start count as
 * appearing. Drains, maintenance and sticky marks take traffic away, so they are warnings; acks are news.
 */
export function logMarkChanges({ marks, now, logger, changes, clock = systemClock, recheckMs = 250 }: MarkChangeDeps): { close(): void } {
  const seen = new Map<string, { key: string; mark: Mark; active: boolean }>();
  const check = (): void => {
    const time = now();
    const { acks, drains, sticky, maint } = marks();
    const present = new Set<string>();
    for (const mark of [...acks, ...drains, ...sticky, ...maint]) {
      const id = `${mark.kind} ${mark.target ?? ''}`;
      const active = mark.problem !== undefined || markActive(mark, time);
      const key = JSON.stringify([mark.reason, mark.by, mark.at, mark.until, mark.problem, active]);
      present.add(id);
      const before = seen.get(id);
      if (before?.key === key) continue;
      seen.set(id, { key, mark, active });
      if (!active) {
        if (before) logger.info(`${subject(mark)} expired`, fieldsOf(mark));
        continue;
      }
      announce(mark, logger);
    }
    for (const [id, { mark, active }] of seen) {
      if (present.has(id)) continue;
      seen.delete(id);
      // An expired mark whose file is then removed was already said to end.
      if (active) logger.info(`${subject(mark)} removed`, fieldsOf(mark));
    }
  };
  return checkOnChange(check, changes, clock, recheckMs);
}

function announce(mark: Mark, logger: Logger): void {
  const fields = fieldsOf(mark);
  if (mark.problem !== undefined) {
    const effect = mark.kind === 'ack' ? 'ignored: the probe counts' : mark.kind === 'drain' ? 'it still drains' : mark.kind === 'maint' ? 'maintenance still holds' : 'the category counts as failed';
    logger.warning(`${subject(mark)}: ${mark.problem}; ${effect}`, fields);
    return;
  }
  const who = mark.by === undefined ? 'by hand' : `by ${mark.by}`;
  const until = mark.until === undefined ? 'until removed' : `until ${isoSeconds(mark.until)}`;
  const line = `${subject(mark)} ${mark.kind === 'sticky' ? `set ${who} at ${isoSeconds(mark.at)}` : `${who} ${until}`}: ${mark.reason}`;
  if (mark.kind === 'ack') logger.info(line, fields);
  else logger.warning(line, fields);
}

function subject(mark: Mark): string {
  if (mark.kind === 'ack') return mark.target === undefined ? 'DC-level ack' : `ack of probe ${mark.target}`;
  if (mark.kind === 'drain') return mark.target === undefined ? 'drain of the DC' : `drain of pool ${mark.target}`;
  if (mark.kind === 'maint') return 'maintenance of the DC';
  return mark.target === undefined ? 'sticky marks' : `sticky mark of category ${mark.target}`;
}

function fieldsOf(mark: Mark): LogFields {
  return {
    component: 'web',
    mark: mark.kind,
    target: mark.target ?? 'DC',
    by: mark.by,
    reason: mark.reason || undefined,
    until: mark.until === undefined ? undefined : isoSeconds(mark.until),
    file: mark.file,
  };
}
