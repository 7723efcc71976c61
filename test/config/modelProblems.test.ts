import test from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../../src/config/ConfigError.ts';
import { readConfig } from '../../src/config/readConfig.ts';
import { healthModel } from '../../src/verdict/healthModel.ts';

async function problemsOf(t: { teardown(fn: () => Promise<void>): void }, yaml: string): Promise<string[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deadpool-model-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(path.join(dir, 'config.yaml'), yaml);
  const error = await readConfig('config.yaml', { cwd: dir }).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (error === undefined) return [];
  if (!(error instanceof ConfigError)) throw error;
  return error.problems;
}

const probe = (name: string, extra = '') => `  ${name}:\n    module: url_probe\n    query: { url: 'http://127.0.0.1/' }\n${extra}`;

const cases: [string, string, string[]][] = [
  ['a seed config: no problem', `probes:\n${probe('elastic')}`, []],
  [
    'a category a probe names but nobody declared, with a suggestion',
    `categories:\n  search: { resilient: true }\nprobes:\n${probe('es-1', '    categories: [serch]\n')}`,
    ['config.yaml: probes.es-1.categories[0]: unknown category "serch" (did you mean "search"?); expected one of default, search (declare it under categories)'],
  ],
  [
    'a category a pool names but nobody declared',
    `WEB:\n  pools:\n    api: { path: /api, categories: [api] }\nprobes:\n${probe('db')}`,
    ['config.yaml: WEB.pools.api.categories[0]: unknown category "api"; expected one of default (declare it under categories)'],
  ],
  [
    'two pools on one path',
    `WEB:\n  pools:\n    a: { path: /x, categories: [default] }\n    b: { path: /x, categories: [default] }\nprobes:\n${probe('db')}`,
    ['config.yaml: WEB.pools.b.path: "/x" is already WEB.pools.a.path; expected a path of its own'],
  ],
  [
    'a pool on the base URL or on one of the responder\'s own routes',
    `WEB:\n  base_url: /health\n  pools:\n    a: { path: /health, categories: [default] }\n    b: { path: /__gtg, categories: [default] }\n    c: { path: /metrics, categories: [default] }\nprobes:\n${probe('db')}`,
    [
      'config.yaml: WEB.pools.a.path: "/health" is already WEB.base_url; expected a path of its own',
      'config.yaml: WEB.pools.b.path: "/__gtg" is already a route of the responder (/__gtg); expected a path of its own',
      'config.yaml: WEB.pools.c.path: "/metrics" is already a route of the responder (/metrics); expected a path of its own',
    ],
  ],
  [
    'min_passing larger than a group of a resilient category',
    `categories:\n  search: { resilient: true, min_passing: 3 }\nprobes:\n${probe('es-1', '    categories: [search]\n    group: es\n')}${probe('es-2', '    categories: [search]\n    group: es\n')}`,
    ['config.yaml: categories.search.min_passing: 3 is more than group "es" has in search (2: es-1, es-2); expected at most 2'],
  ],
  [
    'bad values of the new keys, each with what was expected',
    `WEB:\n  pools:\n    a: { path: search, categories: [] }\ncategories:\n  search: { resilient: yes please, min_passing: 0, stiky: true }\nprobes:\n${probe('es-1', '    severity: 4\n')}`,
    [
      'config.yaml: WEB.pools.a.path: expected a path starting with "/", without "?", "#" or spaces, got "search"',
      'config.yaml: WEB.pools.a.categories: expected at least one category, got an empty list',
      'config.yaml: categories.search.stiky: unknown key (did you mean "sticky"?); expected one of resilient, min_passing, sticky',
      'config.yaml: categories.search.resilient: expected True or False, got "yes please"',
      'config.yaml: categories.search.min_passing: expected a whole number ≥ 1, got 0',
      'config.yaml: probes.es-1.severity: expected 1 (critical), 2 or 3 (informational), got 4',
    ],
  ],
  [
    'actions: an unknown pool, with a suggestion; an action with no command',
    `WEB:\n  pools:\n    search: { path: /search, categories: [default] }\nactions:\n  nginx: { on_up: systemctl start nginx, pool: serch }\n  idle: { timeout: 30 }\n  fine: { on_up: [/usr/sbin/nginx, -s, reload], on_down: 'systemctl stop nginx', pool: search, run_at_start: False }\nprobes:\n${probe('db')}`,
    [
      'config.yaml: actions.nginx.pool: unknown pool "serch" (did you mean "search"?); expected one of search (or no pool: the base URL\'s verdict)',
      'config.yaml: actions.idle: no on_up and no on_down; expected at least one of them (a command to run)',
    ],
  ],
  [
    'actions: an empty command, a bad timeout and run_at_start, an unknown key',
    `actions:\n  bad: { on_down: [], timeout: 0, run_at_start: maybe, when: now }\nprobes:\n${probe('db')}`,
    [
      'config.yaml: actions.bad.when: unknown key; expected one of on_up, on_down, pool, timeout, run_at_start',
      'config.yaml: actions.bad.on_down: expected a list: the program, then its arguments, got an empty list',
      'config.yaml: actions.bad.timeout: expected a number of seconds from 0.1 to 3600 (1 h), got 0',
      'config.yaml: actions.bad.run_at_start: expected True or False, got "maybe"',
    ],
  ],
  [
    'actions: a pool named when no pool is declared',
    `actions:\n  nginx: { on_down: [/usr/bin/true], pool: search }\nprobes:\n${probe('db')}`,
    ['config.yaml: actions.nginx.pool: unknown pool "search"; WEB.pools has none (leave pool out for the base URL\'s verdict)'],
  ],
  [
    'notifiers: a bad URL and a header value never shown (secrets), neither or both kinds, a bad command',
    `notifiers:\n  ops: { webhook: { url: 'ftp://user:hunter2@example.com/x', headers: { X-Token: 12345 }, timeout: 0 } }\n  none: { attempts: 0 }\n  both: { webhook: { url: 'http://127.0.0.1:9/' }, command: [/bin/cat] }\n  pager: { command: /bin/cat }\nWatchMan:\n  notifiers_folder: ''\nprobes:\n${probe('db')}`,
    [
      'config.yaml: notifiers.ops.webhook.url: expected an http:// or https:// URL (the value is a secret: not shown)',
      'config.yaml: notifiers.ops.webhook.headers.X-Token: expected a header value (the value is a secret: not shown)',
      'config.yaml: notifiers.ops.webhook.timeout: expected a number of seconds from 0.1 to 300 (5 min), got 0',
      'config.yaml: notifiers.none.attempts: expected a whole number from 1 to 100, got 0',
      'config.yaml: notifiers.pager.command: expected a list: the program, then its arguments, got "/bin/cat"',
      'config.yaml: WatchMan.notifiers_folder: expected a folder path, got ""',
    ],
  ],
  [
    'notifiers: neither webhook nor command, or both',
    `notifiers:\n  none: { attempts: 3 }\n  both: { webhook: { url: 'http://127.0.0.1:9/' }, command: [/bin/cat] }\nprobes:\n${probe('db')}`,
    ['config.yaml: notifiers.none: neither webhook nor command; expected exactly one of them', 'config.yaml: notifiers.both: both webhook and command; expected exactly one of them'],
  ],
  ['an Agent section: the HAProxy agent on', `WEB:\n  pools:\n    search: { path: /search, categories: [default] }\nAgent: { port: 9002, pool: search, weight: cpu }\nprobes:\n${probe('db')}`, []],
  ['an Agent weight as "75%"', `Agent: { port: 9002, weight: "75%" }\nprobes:\n${probe('db')}`, []],
  [
    'an Agent pool that WEB.pools does not have, with a suggestion',
    `WEB:\n  pools:\n    search: { path: /search, categories: [default] }\nAgent: { port: 9002, pool: serch }\nprobes:\n${probe('db')}`,
    ['config.yaml: Agent.pool: unknown pool "serch" (did you mean "search"?); expected one of search (or no pool: the base URL\'s verdict)'],
  ],
  ['an Agent pool without any pool', `Agent: { port: 9002, pool: search }\nprobes:\n${probe('db')}`, ['config.yaml: Agent.pool: unknown pool "search"; WEB.pools has none (leave pool out for the base URL\'s verdict)']],
  [
    'bad Agent values, each with what was expected',
    `Agent: { port: 70000, weight: 300, cpu_timeframe_ms: 5, hots: x }\nprobes:\n${probe('db')}`,
    [
      'config.yaml: Agent.port: expected a port number (1-65535), got 70000',
      'config.yaml: Agent.weight: expected a percentage from 0 to 256 (e.g. 100 or "75%") or cpu, got 300',
      'config.yaml: Agent.cpu_timeframe_ms: expected a whole number of milliseconds from 100 to 60000, got 5',
      'config.yaml: Agent.hots: unknown key; expected one of host, port, pool, weight, cpu_timeframe_ms',
    ],
  ],
  ['an Agent weight that is not a percentage', `Agent: { port: 9002, weight: "300%" }\nprobes:\n${probe('db')}`, ['config.yaml: Agent.weight: expected a percentage from 0 to 256 (e.g. 100 or "75%") or cpu, got "300%"']],
  ['an Agent weight word other than cpu', `Agent: { port: 9002, weight: idle }\nprobes:\n${probe('db')}`, ['config.yaml: Agent.weight: expected a percentage from 0 to 256 (e.g. 100 or "75%") or cpu, got "idle"']],
  ['an Agent without a port', `Agent: { weight: 50 }\nprobes:\n${probe('db')}`, ['config.yaml: Agent.port: missing, expected a port number (1-65535)']],
  [
    'bad values of the metrics keys (issue 11), each with what was expected',
    `Generic:\n  graphite: { port: 99999, prefix: 'deadpool..dc 1', interval: 0, intervall: 60 }\nWEB:\n  metrics_public: yes\nprobes:\n${probe('db')}`,
    [
      'config.yaml: Generic.graphite.server: missing, expected a host name or address',
      'config.yaml: Generic.graphite.port: expected a port number (1-65535), got 99999',
      'config.yaml: Generic.graphite.prefix: expected a dotted metric prefix like deadpool.dc1 (letters, digits, "_", "-"), got "deadpool..dc 1"',
      'config.yaml: Generic.graphite.interval: expected a number of seconds from 1 to 3600 (1 h), got 0',
      'config.yaml: Generic.graphite.intervall: unknown key (did you mean "interval"?); expected one of server, port, prefix, interval',
      'config.yaml: WEB.metrics_public: expected True or False, got "yes"',
    ],
  ],
  ['graphite with a server only, metrics_public True: no problem', `Generic:\n  graphite: { server: carbon.example }\nWEB: { metrics_public: True }\nprobes:\n${probe('db')}`, []],
];

for (const [name, yaml, expected] of cases) {
  test(`config: ${name}`, async (t) => {
    t.deepEqual((await problemsOf(t, yaml)).sort(), [...expected].sort());
  });
}

test('the model of a seed config: every probe in the default category, a group of its own, FT texts filled in', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deadpool-model-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(path.join(dir, 'config.yaml'), `WEB: { name: DC One }\nprobes:\n${probe('elastic')}${probe('off', '    isEnabled: false\n')}`);
  const { config } = await readConfig('config.yaml', { cwd: dir });
  const model = healthModel(config, ['httpd']);
  t.is(model.systemCode, 'dc-one');
  t.deepEqual([...model.probes.keys()], ['elastic', 'httpd']);
  t.deepEqual([...model.categories.keys()], ['default']);
  t.deepEqual([...model.categories.get('default')!.groups], [['elastic', ['elastic']], ['httpd', ['httpd']]]);
  t.like(model.probes.get('elastic'), { severity: 1, technicalSummary: 'url_probe probe "elastic"' });
  t.deepEqual(model.pools.size, 0);
});
