import { createHash } from 'node:crypto';
import { isoSeconds } from '../marks/markFormat.ts';
import type { Mark } from '../marks/Mark.ts';
import { MAX_REASON_CHARS } from '../verdict/boundedBody.ts';
import type { HealthModel } from '../verdict/healthModel.ts';
import { ackText, drainText, maintText, stickyText } from '../verdict/markLines.ts';
import { plainLine } from '../verdict/plainLine.ts';
import type { WatcherState } from '../flag-store/watcherState.ts';
import type { ProbeState } from '../verdict/ProbeStatus.ts';
import { sinceIsWatchers } from '../verdict/probeStatuses.ts';
import type { ProbeVerdict, Verdict } from '../verdict/verdict.ts';
import { ByteChunks } from './ByteChunks.ts';
import { htmlEscape as e } from './htmlEscape.ts';

/** What the page shows: verdicts already worked out by the one verdict function, never judged again here. */
export interface HealthPageInput {
  model: HealthModel;
  /** The base URL's verdict (every category): the DC's line. */
  dc: Verdict;
  /** Each pool's verdict, in the model's order. */
  pools: readonly Verdict[];
  /** The verdict of the selection the table lists. */
  shown: Verdict;
  /**
   * The watcher's state whose last checks the rows show, each decoded as its row is made and
   * kept nowhere; undefined when nothing was heard from it. (`withCheck` would copy every
   * probe's status to add it: 1 MB of short-lived objects per page of 1,000.)
   */
  state: WatcherState | undefined;
  /** `?categories=` as asked; undefined: every category. */
  selected: readonly string[] | undefined;
  /** Epoch ms of the answer. */
  now: number;
  /**
   * Epoch ms at which the watcher's last word stops holding (its heartbeat limit); undefined when
   * nothing was heard from it (then nothing passes). A page still on screen then marks every
   * passing state it shows as stale.
   */
  freshUntil: number | undefined;
  /**
   * How long the watcher's word holds after it is written (its heartbeat limit, from the config);
   * undefined when nothing was heard. The reload interval follows it, not the time left: a
   * responder too busy to read the heartbeat in time must not be asked for pages more often.
   */
  freshForMs: number | undefined;
}

export interface HealthPage {
  /**
   * The page in Buffers of a few KB, made as they are read: a page of 10,000 probes (about 1.7 MB)
   * is never one string, which V8 would put in its large-object space, freed only by a full GC
   * (one whole string per answer took the responder from 80 to 125 MB RSS with 1,000 probes), and
   * its rows are written straight into them (ByteChunks).
   */
  chunks: () => Generator<Buffer>;
  /** The page's own policy: nothing but its two inline style sheets, no script, no outside fetch. */
  contentSecurityPolicy: string;
  /** Seconds between two reloads of the page (its meta refresh). */
  refreshS: number;
}

/** Reloads at most this often, and at least this often while it shows a passing state. */
const MIN_REFRESH_S = 1;
const MAX_REFRESH_S = 5;
/** A reload is asked for at least this long before the shown data turns stale, for the answer to arrive. */
const REFRESH_MARGIN_MS = 500;
/** The watcher's heartbeat: the data on a page may be that old when it is made. */
const HEARTBEAT_MS = 500;
/** Names on one verdict line; the table has them all. */
const MAX_NAMED = 10;
/**
 * Rows in the table at most, failing probes first: a page of 10,000 rows was 2 MB per reload,
 * and three people keeping it open took the responder past 150 MB. Past this, the caption says
 * how many are not listed and where they are: a category's page, or the JSON of /__health.
 */
export const MAX_ROWS = 1000;

/*
 * `.f` is a passing state ("OK", "UP"), `.x` what replaces it once the data behind it is older than
 * the watcher's freshness limit, `.xb` the banner saying so: a CSS animation with the limit as its
 * delay swaps them, so the page ages without JavaScript. A page the browser did not replace in time
 * (the responder frozen, the network gone) stops claiming anything passes. `.x` and `.xb` are hidden
 * by the animation itself (its backwards fill), not by a rule: an element with `display: none`
 * runs no animation. A browser without the animation, or a page without the second style sheet
 * (delay 0 s), shows STALE: it fails closed.
 */
const STYLE = `:root{--expire:0s;color-scheme:light;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#1b1b1b;background:#fff}
body{margin:0;padding:12px 16px 32px;max-width:100rem}
h1{font-size:1.6rem;margin:4px 0 10px}
h2{font-size:1.1rem;margin:18px 0 6px}
a{color:#0b4fa8}
.v{display:inline-block;padding:3px 12px;border-radius:6px;color:#fff;background:#b3141b}
.v.ok{background:#17692b}
ul.pools{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:8px}
ul.pools li{padding:4px 10px;border-radius:6px;border:2px solid #b3141b;background:#fde3e2}
ul.pools li.ok{border-color:#17692b;background:#e2f4e6}
.banner{margin:8px 0;padding:8px 12px;border-left:6px solid #8a5a00;background:#fff3cd}
.banner.bad{border-color:#b3141b;background:#fde3e2}
.banner.unknown{border-color:#4b2a8a;background:#ece6f8}
.meta{color:#555;font-size:.9rem;margin:6px 0}
nav{margin:10px 0}
nav a{display:inline-block;margin:2px 6px 2px 0;padding:1px 8px;border:1px solid #0b4fa8;border-radius:10px;text-decoration:none}
nav a[aria-current]{background:#0b4fa8;color:#fff}
.wrap{overflow-x:auto}
table{border-collapse:collapse;min-width:100%}
caption{text-align:left;font-weight:600;padding:4px 0}
th,td{text-align:left;vertical-align:top;padding:4px 8px;border-bottom:1px solid #ddd}
thead th{background:#f2f2f2;position:sticky;top:0}
tbody td:nth-child(3){max-width:40rem;overflow-wrap:anywhere}
tbody tr.down{background:#fde3e2}
tbody tr.excused{background:#fff3cd}
tbody tr.unsure{background:#ece6f8}
tbody td:nth-child(2){font-weight:700;white-space:nowrap}
tr.down td:nth-child(2){color:#9c0f15}
tr.up td:nth-child(2){color:#17692b}
tr.unsure td:nth-child(2){color:#4b2a8a}
tr.excused td:nth-child(2){color:#7a4f00}
.x{padding:0 5px;border-radius:3px;background:#5e5466;color:#fff}
.xb{display:block;margin-top:6px;padding:6px 10px;background:#5e5466;color:#fff;font-weight:600}
.f,.x,.xb{animation-duration:0s;animation-delay:var(--expire);animation-fill-mode:both}
.f{animation-name:f}
.x{animation-name:x}
.xb{animation-name:xb}
@keyframes f{from{display:inline}to{display:none}}
@keyframes x{from{display:none}to{display:inline}}
@keyframes xb{from{display:none}to{display:block}}
@media (max-width:40rem){body{padding:8px}h1{font-size:1.3rem}th,td{padding:3px 5px}}
`;

const STYLE_HASH = sha256(STYLE);

/**
 * The HTML view of `/__health` (CoCo's): the DC's and each pool's verdict in words and colour, banners
 * for drains, the DC ack, sticky categories and a watcher that cannot be trusted, then every probe of
 * the selection, failing ones first. Self-contained (no script, font or outside style) and reloaded
 * by a meta refresh; every text that comes from config, a flag or a mark is escaped.
 */
export function renderHealthPage(input: HealthPageInput): HealthPage {
  const { now, freshUntil, freshForMs } = input;
  const expireMs = freshUntil === undefined ? 0 : Math.max(0, freshUntil - now);
  const refreshS = freshForMs === undefined ? MAX_REFRESH_S : Math.min(MAX_REFRESH_S, Math.max(MIN_REFRESH_S, Math.floor((freshForMs - HEARTBEAT_MS - REFRESH_MARGIN_MS) / 1000)));
  const timing = `:root{--expire:${expireMs}ms}`;
  return { chunks: () => pageChunks(input, refreshS, timing), contentSecurityPolicy: policy(timing), refreshS };
}

/** The whole page as one string: for tests and small pages. */
export function pageHtml(page: HealthPage): string {
  return Buffer.concat([...page.chunks()]).toString('utf8');
}

function* pageChunks(input: HealthPageInput, refreshS: number, timing: string): Generator<Buffer> {
  const { model, dc, pools, shown, selected, now } = input;
  const query = selected === undefined ? '' : `?categories=${encodeURIComponent(selected.join(','))}`;
  const dcName = e(model.name);

  let html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="refresh" content="${refreshS};url=__health${e(query)}">
<meta name="referrer" content="no-referrer">
<title>${dcName}: ${dc.status === 200 ? 'OK' : 'DOWN'} · DeadPool</title>
<style>${STYLE}</style>
<style>${timing}</style>
</head>
<body>
<header>
<h1><span class="v${dc.status === 200 ? ' ok' : ''}">${dcName}: ${verdictWords(dc)}</span></h1>
`;
  if (pools.length > 0) {
    html += '<ul class="pools" aria-label="Pools">';
    for (const pool of pools) {
      const name = e(pool.pool ?? '');
      html += `<li${pool.status === 200 ? ' class="ok"' : ''}><a href="__health?categories=${e(encodeURIComponent(pool.categories.join(',')))}">${name}</a>: ${verdictWords(pool)}</li>`;
    }
    html += '</ul>\n';
  }
  html += `<p class="meta">As of ${isoSeconds(now)}; reloads every ${refreshS} s. <span class="xb">This page was not reloaded in time: the states on it are older than the watcher's freshness limit, so none of them is shown as passing.</span></p>
</header>
`;
  html += banners(input);
  html += categoryLinks(model, selected);
  if (selected !== undefined) {
    html += `<h2>Categories ${e(selected.join(', '))}: <span class="v${shown.status === 200 ? ' ok' : ''}">${verdictWords(shown)}</span></h2>\n`;
  }
  const out = new ByteChunks();
  out.put(html);
  yield* probeTable(out, shown, input.state, now);
  out.put('</body>\n</html>\n');
  yield* out.take(true);
}

/** `OK`, or `DOWN — es-1, es-2` (the probes that count, then maintenance, drains and sticky categories). */
function verdictWords(result: Verdict): string {
  if (result.status === 200) return '<span class="f">OK</span><span class="x">STALE</span>';
  const named = result.dead.slice(0, MAX_NAMED).map(e);
  if (result.dead.length > MAX_NAMED) named.push(`and ${result.dead.length - MAX_NAMED} more`);
  if (result.maint) named.push('in maintenance');
  if (result.drains.length > 0) named.push('drained');
  for (const mark of result.sticky) named.push(`${e(mark.target ?? 'every category')} sticky`);
  if (named.length === 0) named.push(e(plainLine(result.problems[0] ?? 'failing', MAX_REASON_CHARS)));
  return `DOWN — ${named.join(', ')}`;
}

function banners({ dc, pools, now }: HealthPageInput): string {
  let html = dc.maint ? banner('bad', 'Maintenance', maintText(dc.maint, now)) : '';
  const drains = new Map<string, Mark>();
  for (const verdict of [dc, ...pools]) for (const drain of verdict.drains) drains.set(drain.file, drain);
  for (const drain of drains.values()) html += banner('bad', 'Drained', drainText(drain, now));
  if (dc.dcAck) html += banner('', 'DC acknowledged', `${ackText(dc.dcAck)} (only /__health's ok follows it: the Cloudflare answers stay as they are)`);
  for (const mark of dc.sticky) html += banner('bad', 'Sticky', stickyText(mark));
  // The verdict's own reasons for not knowing: the watcher is silent, or runs its last good config.
  const unsure = new Set<string>();
  for (const probe of dc.probes) if ((probe.status.state === 'unknown' || probe.status.state === 'not-checked') && probe.status.reason !== undefined) unsure.add(probe.status.reason);
  if (dc.probes.length === 0 && dc.status === 503 && dc.dead.length === 0 && dc.drains.length === 0 && dc.sticky.length === 0 && !dc.maint) for (const problem of dc.problems) unsure.add(problem);
  for (const reason of unsure) html += banner('unknown', 'DeadPool cannot tell', reason);
  return html;
}

function banner(kind: string, title: string, text: string): string {
  return `<p class="banner${kind ? ` ${kind}` : ''}" role="status"><strong>${title}:</strong> ${e(plainLine(text, 2 * MAX_REASON_CHARS))}</p>\n`;
}

function categoryLinks(model: HealthModel, selected: readonly string[] | undefined): string {
  let html = `<nav aria-label="Filter by category">Categories: <a href="__health"${selected === undefined ? ' aria-current="page"' : ''}>all</a>`;
  for (const name of model.categories.keys()) {
    const current = selected?.length === 1 && selected[0] === name ? ' aria-current="page"' : '';
    html += ` <a href="__health?categories=${e(encodeURIComponent(name))}"${current}>${e(name)}</a>`;
  }
  return `${html}</nav>\n`;
}

const STATE_WORDS: Record<ProbeState, string> = { up: 'UP', down: 'DOWN', pending: 'PENDING', overdue: 'OVERDUE', 'not-checked': 'NOT CHECKED', unknown: 'UNKNOWN' };

/** Failing probes that count first, then the excused ones (acked, tolerated by their group), then the passing; by name within each. */
function rank(probe: ProbeVerdict): number {
  if (probe.status.state === 'up') return 2;
  return probe.counts ? 0 : 1;
}

/** Writes the table into `out`, handing out its chunks as they fill. */
function* probeTable(out: ByteChunks, shown: Verdict, state: WatcherState | undefined, now: number): Generator<Buffer> {
  const probes = [...shown.probes].sort((a, b) => rank(a) - rank(b));
  const failing = probes.filter((probe) => probe.status.state !== 'up').length;
  const unlisted = Math.max(0, probes.length - MAX_ROWS);
  const cut = unlisted === 0 ? '' : `; the first ${MAX_ROWS} listed, failing ones first. The other ${unlisted} are on each category's page (the links above) and in /__health as JSON`;
  out.put(`<div class="wrap"><table>
<caption>${probes.length} probe${probes.length === 1 ? '' : 's'}, ${failing} failing${cut}</caption>
<thead><tr><th scope="col">Probe</th><th scope="col">State</th><th scope="col">Reason</th><th scope="col">Since</th><th scope="col">Last check</th><th scope="col">Duration</th><th scope="col">Categories</th><th scope="col">Group</th><th scope="col">Ack</th></tr></thead>
<tbody>
`);
  // Kept lean (no per-cell class, time element or link: the filters are in the nav): 10,000 rows.
  // Piece by piece, never joined: a row's text goes straight into the chunk.
  for (const probe of unlisted === 0 ? probes : probes.slice(0, MAX_ROWS)) {
    const { status } = probe;
    const up = status.state === 'up';
    const check = state?.checkOf(probe.name);
    const since = check !== undefined && sinceIsWatchers(status, state!, probe.name) ? check.since : status.since;
    out.put(up ? '<tr class="up"><th scope="row">' : status.state === 'down' ? (probe.counts ? '<tr class="down"><th scope="row">' : '<tr class="excused"><th scope="row">') : '<tr class="unsure"><th scope="row">');
    out.put(e(probe.name));
    out.put('</th><td>');
    if (up) out.put('<span class="f">UP</span><span class="x">STALE</span>');
    else {
      out.put(STATE_WORDS[status.state]);
      if (!probe.counts) out.put(probe.ack ? ' (acked)' : ' (tolerated)');
    }
    out.put('</td><td>');
    if (!up) out.put(e(plainLine(status.reason ?? '', MAX_REASON_CHARS)));
    out.put('</td><td>');
    if (since !== undefined) out.put(age(now - since));
    out.put('</td><td>');
    if (check !== undefined) {
      out.put(age(now - check.at));
      out.put(' ago</td><td>');
      out.put(duration(check.duration_ms));
    } else out.put('</td><td>');
    out.put('</td><td>');
    probe.model.categories.forEach((category, i) => {
      if (i > 0) out.put(', ');
      out.put(e(category));
    });
    out.put('</td><td>');
    out.put(e(probe.model.group));
    out.put('</td><td>');
    if (probe.ack) out.put(e(ackText(probe.ack)));
    out.put('</td></tr>\n');
    yield* out.take();
  }
  out.put('</tbody>\n</table></div>\n');
}

/** `12 s`, `5 min`, `3 h 20 min`, `2 d 4 h`: how long, in the unit a person reads. */
export function age(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 120) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return `${h} h ${min % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

function duration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${Math.round(ms / 100) / 10} s`;
}

function policy(timing: string): string {
  return `default-src 'none'; style-src '${STYLE_HASH}' '${sha256(timing)}'; img-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;
}

function sha256(text: string): string {
  return `sha256-${createHash('sha256').update(text).digest('base64')}`;
}
