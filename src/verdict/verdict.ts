import { markActive, type Mark, type Marks } from '../marks/Mark.ts';
import { boundedBody, MAX_REASON_CHARS } from './boundedBody.ts';
import { compare, type HealthModel, type ProbeModel } from './healthModel.ts';
import { ackText, drainText, leftTextHolds, maintText, stickyText } from './markLines.ts';
import { plainLine } from './plainLine.ts';
import type { ProbeStatus } from './ProbeStatus.ts';

/** Everything an answer is made of. Pure data: the same input always gives the same verdict. */
export interface VerdictInput {
  model: HealthModel;
  /** Each enabled probe's status; a probe of the model missing here counts as unknown. */
  probes: ReadonlyMap<string, ProbeStatus>;
  /** Set when nothing can be known (the flag folder cannot be read): every answer is 503 with this one line. */
  blocker?: string | undefined;
  /** Until when `probes` and `blocker` stay true as time passes alone (see probeStatuses); Infinity by default. */
  probesValidUntil?: number;
  marks: Marks;
  /** Epoch ms: acks and drains end by themselves, and drains say how long is left. */
  now: number;
}

/** What is asked: a pool's categories, the categories of `?categories=`, or (neither) every category. */
export interface Selection {
  pool?: string | undefined;
  categories?: readonly string[] | undefined;
}

export interface ProbeVerdict {
  name: string;
  model: ProbeModel;
  status: ProbeStatus;
  /** The ack that excuses its failure: set only while it is down and acked. */
  ack: Mark | undefined;
  /** Fails and counts against the answer (not excused by an ack or by its resilient group). */
  counts: boolean;
}

export interface GroupVerdict {
  category: string;
  group: string;
  resilient: boolean;
  members: readonly string[];
  passing: number;
  /** Members left out of the count by an ack. */
  acked: number;
  /** Passing members needed: min_passing (resilient) or every member not acked. */
  needs: number;
  ok: boolean;
}

export interface Verdict {
  status: 200 | 503;
  /** text/plain in the seed's words, ends with a newline, always under MAX_BODY_BYTES bytes. */
  body: string;
  /** Probes whose failure counts against this answer, sorted: for logs. */
  dead: string[];
  /** Why it fails in words that do not change with time (no ages, no time left): what a change log compares. */
  problems: string[];
  /** FT /__health's top-level ok: the answer is 200, or a DC-level ack covers every failure the watcher reported. */
  healthOk: boolean;
  /** The DC-level ack in force, if any. */
  dcAck: Mark | undefined;
  categories: readonly string[];
  pool: string | undefined;
  /** Every probe of the selected categories, sorted by name. */
  probes: ProbeVerdict[];
  groups: GroupVerdict[];
  drains: Mark[];
  sticky: Mark[];
  /** The DC's maintenance in force (`deadpool maint`): every selection answers 503. */
  maint: Mark | undefined;
  /**
   * The probes, groups and sticky marks pass: what the answer would be without drains and
   * maintenance. HAProxy's agent reports this health next to its admin state (src/agent/).
   * `status` is 200 exactly when this holds and nothing drains and no maintenance holds.
   */
  healthy: boolean;
  /** Why the probes fail, in one line (undefined while `healthy`): the first counting probe by name and its reason, else the first sticky mark, else why nothing can be known. */
  firstFailure: string | undefined;
  /** Until when (epoch ms) the same input with a later `now` gives this same verdict. */
  validUntil: number;
}

const UNKNOWN: ProbeStatus = { state: 'unknown', reason: 'no status' };

/**
 * The one answer, for Cloudflare (status and body), /__gtg, /__health, `deadpool status`, the
 * HAProxy agent and the watcher's sticky marks alike. A selection fails when any of its groups
 * fails, when one of its categories is marked sticky, when it is drained, or when the DC is in
 * maintenance. A group fails when fewer members pass than it needs: every member not acked, or
 * `min_passing` in a resilient category. Only a probe that is down can be excused by an ack:
 * pending, overdue and unknown probes (a silent watcher) always count, so an ack never hides
 * that DeadPool does not know.
 */
export function verdict(input: VerdictInput, selection: Selection = {}): Verdict {
  const { model, marks, now } = input;
  const pool = selection.pool === undefined ? undefined : model.pools.get(selection.pool);
  const categories = [...new Set(selection.categories ?? pool?.categories ?? [...model.categories.keys()])].sort(compare);
  const header = `Server: ${plainLine(model.name, 200)} reports:`;
  const dcAck = marks.acks.find((ack) => ack.target === undefined && ack.problem === undefined && markActive(ack, now));
  const base = { dcAck, categories, pool: pool?.name };

  const selected = new Set<string>();
  for (const category of categories) for (const members of model.categories.get(category)?.groups.values() ?? []) for (const name of members) selected.add(name);
  const names = [...selected].sort(compare);

  let validUntil = input.probesValidUntil ?? Infinity;
  const until = (time: number | undefined): void => {
    if (time !== undefined && time > now) validUntil = Math.min(validUntil, time - 1);
  };
  if (dcAck) until(dcAck.until);
  const maint = marks.maint.find((mark) => mark.problem !== undefined || markActive(mark, now));
  if (maint?.until !== undefined && maint.problem === undefined) {
    until(maint.until);
    validUntil = Math.min(validUntil, now + leftTextHolds(maint.until - now) - 1);
  }

  if (input.blocker !== undefined) {
    const blocked: ProbeStatus = { state: 'unknown', reason: input.blocker };
    const probes = names.map((name) => ({ name, model: model.probes.get(name)!, status: blocked, ack: undefined, counts: true }));
    return { ...base, status: 503, body: boundedBody(header, [input.blocker]), dead: [], problems: [input.blocker], healthOk: false, probes, groups: [], drains: [], sticky: [], maint, healthy: false, firstFailure: input.blocker, validUntil };
  }

  const acks = new Map<string, Mark>();
  for (const ack of marks.acks) {
    if (ack.target === undefined || ack.problem !== undefined) continue;
    if (markActive(ack, now)) {
      acks.set(ack.target, ack);
      until(ack.until);
    }
  }
  const probes = new Map<string, ProbeVerdict>();
  for (const name of names) {
    const status = input.probes.get(name) ?? UNKNOWN;
    const ack = status.state === 'down' ? acks.get(name) : undefined;
    probes.set(name, { name, model: model.probes.get(name)!, status, ack, counts: false });
  }

  const groups: GroupVerdict[] = [];
  for (const category of categories) {
    const settings = model.categories.get(category);
    if (!settings) continue;
    for (const [group, members] of settings.groups) {
      const counted = members.filter((name) => probes.get(name)!.ack === undefined);
      const passing = counted.filter((name) => probes.get(name)!.status.state === 'up').length;
      const needs = settings.resilient ? Math.min(settings.minPassing, counted.length) : counted.length;
      const ok = passing >= needs;
      groups.push({ category, group, resilient: settings.resilient, members, passing, acked: members.length - counted.length, needs, ok });
      if (!ok) for (const name of counted) if (probes.get(name)!.status.state !== 'up') probes.get(name)!.counts = true;
    }
  }

  const sticky = marks.sticky.filter((mark) => mark.target === undefined || categories.includes(mark.target));
  const drains = marks.drains.filter((mark) => (mark.target === undefined || mark.target === pool?.name) && (mark.problem !== undefined || markActive(mark, now)));
  for (const drain of drains) {
    if (drain.until === undefined || drain.problem !== undefined) continue;
    until(drain.until);
    validUntil = Math.min(validUntil, now + leftTextHolds(drain.until - now) - 1);
  }

  const verdicts = [...probes.values()];
  const failing = verdicts.filter((probe) => probe.status.state !== 'up');
  const dead = failing.filter((probe) => probe.counts).map((probe) => probe.name);
  const failedGroups = groups.filter((group) => !group.ok);
  const healthy = failedGroups.length === 0 && sticky.length === 0;
  const status = healthy && drains.length === 0 && maint === undefined ? 200 : 503;

  const lines = [
    ...(maint ? [maintText(maint, now)] : []),
    ...drains.map((drain) => drainText(drain, now)),
    ...failing.map((probe) => {
      const line = `The ${plainLine(probe.name, 200)} is DEAD! ${plainLine(probe.status.reason ?? '', MAX_REASON_CHARS)}`;
      return probe.ack ? `${line}; ${ackText(probe.ack)}` : line;
    }),
    ...groups.filter((group) => group.resilient && group.passing < group.members.length).map(groupText),
    ...sticky.map(stickyText),
  ];
  const body = boundedBody(header, status === 200 ? ['OK', ...lines] : lines);

  const problems = [
    ...(maint ? [maint.problem === undefined ? `in maintenance: ${maint.reason}` : maintText(maint, now)] : []),
    ...drains.map((drain) => (drain.problem === undefined ? `${drain.target === undefined ? 'drained' : `pool ${drain.target} drained`}: ${drain.reason}` : drainText(drain, now))),
    ...failedGroups.filter((group) => group.resilient).map(groupText),
    ...sticky.map((mark) => `${mark.target ?? 'every category'} is sticky`),
  ];
  const firstDead = verdicts.find((probe) => probe.counts);
  const firstFailure = healthy ? undefined : firstDead ? `${firstDead.name}: ${firstDead.status.reason ?? firstDead.status.state}` : sticky[0] ? stickyText(sticky[0]) : 'a group fails';
  // A DC ack covers what the watcher saw fail (and drains, maintenance and sticky marks), never what nobody knows.
  const healthOk = status === 200 || (dcAck !== undefined && verdicts.every((probe) => !probe.counts || probe.status.state === 'down'));
  return { ...base, status, body, dead, problems, healthOk, probes: verdicts, groups, drains, sticky, maint, healthy, firstFailure, validUntil };
}

function groupText(group: GroupVerdict): string {
  const acked = group.acked > 0 ? ` (${group.acked} acked)` : '';
  return `${group.category}: ${group.group} has ${group.passing} of ${group.members.length} passing${acked}, needs ${group.needs}`;
}
