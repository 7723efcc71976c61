/**
 * dns_probe: one DNS query per check (node's c-ares resolver, over UDP), judged by the number of
 * answers, their text, or the result code.
 *
 * Choices, and why:
 * - A fresh `Resolver` per check with `tries: 1`: one server, as configured, and no cache between
 *   checks, so a server that stopped answering is seen on the next check.
 * - c-ares shortens its own timeout from the latencies it has seen (1.34 gave up after 0.5 s when
 *   told 0.3 s, and after 1 s when told 2 s), so its `ETIMEOUT` is not our deadline: the query is
 *   sent again until the deadline, and only the deadline fails the check (`timeout after 2 s`).
 *   UDP may lose a packet; asking again within the deadline is what a stub resolver does too.
 * - `server` is an address, not a host name: resolving the resolver's own name would need DNS.
 * - Result codes come from node's error codes (c-ares does not hand over the RCODE itself):
 *   an answer → NOERROR; ENODATA (the name exists, no record of that type) → NOERROR with 0
 *   answers; ENOTFOUND → NXDOMAIN; ESERVFAIL → SERVFAIL; EREFUSED → REFUSED. Anything else
 *   (ECONNREFUSED from an ICMP "port unreachable", EBADRESP, EFORMERR, ENOTIMP…) is a failure
 *   reported as a network failure, whatever the criteria.
 * - Answers are judged as text: A/AAAA the address, CNAME/NS the name, MX `10 mail.example`, TXT
 *   its strings joined, SRV `priority weight port target`.
 */
import dns from 'node:dns';
import net from 'node:net';
import { z } from 'zod';
import { defineProbe } from '../src/probe-api/defineProbe.ts';
import { timeoutReason } from '../src/probe-kit/deadline.ts';
import { hostPort, networkReason } from '../src/probe-kit/networkReason.ts';
import { noQuery, timeoutSeconds } from '../src/probe-kit/options.ts';

const TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'SRV', 'NS'] as const;
type RecordType = (typeof TYPES)[number];
const RCODES = ['NOERROR', 'NXDOMAIN', 'SERVFAIL', 'REFUSED'] as const;
type Rcode = (typeof RCODES)[number];

/** node's error code → the DNS result code it stands for. */
const RCODE_OF: Record<string, Rcode> = { ENODATA: 'NOERROR', ENOTFOUND: 'NXDOMAIN', ESERVFAIL: 'SERVFAIL', EREFUSED: 'REFUSED' };

const NAME_EXPECTED = 'expected a domain name like api.example.com';
const SERVER_EXPECTED = 'expected an IP address with an optional port, like 10.0.0.53, 10.0.0.53:5353 or [fd00::53]:53';

/** `10.0.0.53`, `10.0.0.53:5353`, `fd00::53`, `[fd00::53]`, `[fd00::53]:53` → address and port; null when it is none of these. */
function parseServer(text: string): { address: string; port: number } | null {
  let address = text;
  let port = 53;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  const withPort = /^([^:]+):(\d+)$/.exec(text);
  if (bracketed) {
    address = bracketed[1]!;
    if (bracketed[2] !== undefined) port = Number(bracketed[2]);
    if (net.isIP(address) !== 6) return null;
  } else if (withPort) {
    address = withPort[1]!;
    port = Number(withPort[2]);
    if (net.isIP(address) !== 4) return null;
  } else if (net.isIP(address) === 0) {
    return null;
  }
  return port >= 1 && port <= 65535 ? { address, port } : null;
}

const query = z.strictObject({
  name: z
    .string({ error: NAME_EXPECTED })
    .regex(/^(?=.{1,254}$)([A-Za-z0-9_*-]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_-])?\.)*[A-Za-z0-9_-]{1,63}\.?$/, { error: NAME_EXPECTED }),
  type: z.enum(TYPES, { error: `expected one of ${TYPES.join(', ')}` }).default('A'),
  server: z
    .string({ error: SERVER_EXPECTED })
    .refine((s) => parseServer(s) !== null, { error: SERVER_EXPECTED })
    .optional(),
  timeout: timeoutSeconds(2),
});

const MIN_EXPECTED = 'expected a whole number of answers (0 or more)';

const criteria = {
  min_answers: z.int({ error: MIN_EXPECTED }).min(0, { error: MIN_EXPECTED }),
  answer_contains: z.string({ error: 'expected a text that some answer must contain' }).min(1, { error: 'expected a text that some answer must contain' }),
  rcode: z.enum(RCODES, { error: `expected one of ${RCODES.join(', ')}` }),
  pass: noQuery,
};

type Answer = string | string[] | dns.MxRecord | dns.SrvRecord;

function render(type: RecordType, answer: Answer): string {
  if (type === 'TXT') return (answer as string[]).join('');
  if (type === 'MX') return `${(answer as dns.MxRecord).priority} ${(answer as dns.MxRecord).exchange}`;
  if (type === 'SRV') {
    const srv = answer as dns.SrvRecord;
    return `${srv.priority} ${srv.weight} ${srv.port} ${srv.name}`;
  }
  return answer as string;
}

const plural = (n: number): string => `${n} answer${n === 1 ? '' : 's'}`;

/** Answers as a reason shows them: at most five, each at most 60 characters. */
function shown(answers: readonly string[]): string {
  if (answers.length === 0) return 'none';
  const cut = answers.slice(0, 5).map((a) => (a.length > 60 ? `${a.slice(0, 59)}…` : a));
  return cut.join(', ') + (answers.length > 5 ? `, … ${answers.length - 5} more` : '');
}

export default defineProbe({
  name: 'dns_probe',
  query,
  criteria,
  timeout: (q) => q.timeout,
  refine: ({ criteria: list }) => {
    const rcode = list.find((c) => c.type === 'rcode');
    if (rcode === undefined || rcode.query === 'NOERROR') return [];
    return list
      .filter((c) => c.type === 'answer_contains' || (c.type === 'min_answers' && c.query > 0))
      .map((c) => ({ path: ['success_criteria', c.label], message: `expects answers, but rcode ${rcode.label} expects ${rcode.query}, which has none` }));
  },
  async check({ options: { query: q, criteria: list }, signal, timeoutMs, log }) {
    const timedOut = { ok: false, reason: timeoutReason(timeoutMs) };
    if (signal.aborted) return timedOut;
    const resolver = new dns.promises.Resolver({ timeout: timeoutMs, tries: 1 });
    const server = q.server === undefined ? null : parseServer(q.server)!;
    if (server) resolver.setServers([hostPort(server.address, server.port)]);
    const from = server ? hostPort(server.address, server.port) : resolver.getServers().join(', ') || 'the system resolvers';
    const asked = `${q.name} ${q.type}`;

    // Every pending query ends (ECANCELLED) when the deadline comes; nothing outlives the check.
    const onAbort = (): void => resolver.cancel();
    signal.addEventListener('abort', onAbort, { once: true });
    const started = performance.now();
    let rcode: Rcode;
    let answers: string[] = [];
    try {
      for (;;) {
        try {
          answers = ((await resolver.resolve(q.name, q.type)) as Answer[]).map((a) => render(q.type, a));
          rcode = 'NOERROR';
          break;
        } catch (error) {
          if (signal.aborted) return timedOut;
          const code = (error as NodeJS.ErrnoException).code ?? '';
          // c-ares gave up before our deadline: ask again (see the header).
          if (code === dns.TIMEOUT) continue;
          const known = RCODE_OF[code];
          if (known === undefined) {
            const reason = networkReason(error, from);
            log.debug(`${asked} from ${from}: ${reason}`, { duration_ms: Math.round(performance.now() - started) });
            return { ok: false, reason };
          }
          rcode = known;
          break;
        }
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
    log.debug(`${asked} from ${from}: ${rcode}, ${plural(answers.length)}`, { duration_ms: Math.round(performance.now() - started) });

    const failures: string[] = [];
    const expected = list.find((c) => c.type === 'rcode');
    if (expected?.type === 'rcode') {
      if (rcode !== expected.query) failures.push(`${rcode} for ${asked} from ${from}, expected ${expected.query}`);
    } else if (rcode !== 'NOERROR') {
      return { ok: false, reason: `${rcode} for ${asked} from ${from}` };
    }
    const needed = list.length === 0 ? [{ type: 'min_answers' as const, label: 'default', query: 1 }] : list;
    for (const criterion of needed) {
      if (criterion.type === 'min_answers' && answers.length < criterion.query) {
        failures.push(`${plural(answers.length)} for ${asked} from ${from}, expected at least ${criterion.query}`);
      } else if (criterion.type === 'answer_contains' && !answers.some((a) => a.includes(criterion.query))) {
        failures.push(`no answer contains ${JSON.stringify(criterion.query)} (got ${shown(answers)})`);
      }
    }
    if (failures.length > 0) return { ok: false, reason: failures.join('; ') };
    return { ok: true, reason: rcode === 'NOERROR' ? `${plural(answers.length)} for ${asked} from ${from}` : `${rcode} for ${asked} from ${from}` };
  },
});
