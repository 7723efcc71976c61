/**
 * tls_probe: one TLS handshake per check, to judge the server's certificate: how many days it has
 * left, and whether it is valid (its chain verifies against the trusted roots and it names the host).
 *
 * Choices, and why:
 * - The handshake is made with verification off, so the certificate is read whatever is wrong with
 *   it; `valid` then judges what verification would have said (`socket.authorized`) and the host
 *   name (`tls.checkServerIdentity`) as two separate facts, each with its own reason.
 * - With no criteria the probe checks both `expires_in_days_min: 14` and `valid`: a probe of a
 *   certificate that judged nothing would hide the one failure it exists to catch.
 * - Days left are whole days, rounded down (2.9 days left reads "2 days"), and compared exactly with
 *   the minimum: a certificate with 13.6 days left fails a minimum of 14, and reads "13 days".
 * - The trusted roots are Node's (Mozilla's) plus `NODE_EXTRA_CA_CERTS`, as for every TLS client
 *   of DeadPool: an internal CA is added there, once, for the whole process.
 * - The SNI name is `servername`, else the host unless it is an IP address (SNI carries names
 *   only); the certificate must name that name (or the IP address).
 */
import net from 'node:net';
import tls from 'node:tls';
import { z } from 'zod';
import { defineProbe, type CriterionOf } from '../src/probe-api/defineProbe.ts';
import { hostPort } from '../src/probe-kit/networkReason.ts';
import { host, noQuery, port, timeoutSeconds } from '../src/probe-kit/options.ts';
import { socketCheck, socketFailureReason } from '../src/probe-kit/socketCheck.ts';

const DAY_MS = 24 * 3600 * 1000;
const DEFAULT_MIN_DAYS = 14;

const DAYS_EXPECTED = 'expected a number of days (0 or more)';

const criteria = {
  expires_in_days_min: z.number({ error: DAYS_EXPECTED }).min(0, { error: DAYS_EXPECTED }).max(100_000, { error: DAYS_EXPECTED }),
  valid: noQuery,
};

/** OpenSSL's own words for the verification failures Node reports by code only (`socket.authorizationError`). */
const VERIFY_ERRORS: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in certificate chain',
  CERT_HAS_EXPIRED: 'certificate has expired',
  CERT_NOT_YET_VALID: 'certificate is not yet valid',
  UNABLE_TO_GET_ISSUER_CERT: 'unable to get issuer certificate',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'unable to get local issuer certificate',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unable to verify the first certificate',
  CERT_SIGNATURE_FAILURE: 'certificate signature failure',
  CERT_REVOKED: 'certificate revoked',
  CERT_UNTRUSTED: 'certificate not trusted',
  CERT_REJECTED: 'certificate rejected',
  INVALID_CA: 'invalid CA certificate',
  PATH_LENGTH_EXCEEDED: 'path length constraint exceeded',
  INVALID_PURPOSE: 'unsupported certificate purpose',
  ERROR_IN_CERT_NOT_AFTER_FIELD: "format error in certificate's notAfter field",
  ERROR_IN_CERT_NOT_BEFORE_FIELD: "format error in certificate's notBefore field",
};

function verifyError(error: unknown): string {
  if (typeof error === 'string') return VERIFY_ERRORS[error] ?? error;
  if (error instanceof Error) return VERIFY_ERRORS[(error as NodeJS.ErrnoException).code ?? ''] ?? error.message;
  return 'not verified';
}

/** What the certificate calls itself: its subject's CN, else its first DNS name. */
function subjectName(cert: tls.PeerCertificate): string {
  const cn = (cert.subject as unknown as Record<string, string | string[] | undefined> | undefined)?.['CN'];
  const first = Array.isArray(cn) ? cn[0] : cn;
  if (first) return first;
  const dns = /(?:^|, )DNS:([^,]+)/.exec(cert.subjectaltname ?? '')?.[1];
  return dns ?? 'a certificate without a name';
}

const plural = (n: number): string => `${n} day${n === 1 ? '' : 's'}`;

type Criterion = CriterionOf<typeof criteria>;

/** Each failing criterion's reason, in config order; and the reason when all hold. */
function judge(list: readonly Criterion[], cert: tls.PeerCertificate, authorized: boolean, authorizationError: unknown, identity: string, now: number): { ok: boolean; reason: string } {
  const name = subjectName(cert);
  const expires = Date.parse(cert.valid_to);
  const exactDays = (expires - now) / DAY_MS;
  const days = Math.floor(exactDays);
  const date = Number.isNaN(expires) ? cert.valid_to : new Date(expires).toISOString().slice(0, 10);
  const failures: string[] = [];
  for (const criterion of list) {
    if (criterion.type === 'expires_in_days_min') {
      if (Number.isNaN(expires)) failures.push(`certificate for ${name} has an unreadable end date "${cert.valid_to}"`);
      else if (exactDays < 0) failures.push(`certificate for ${name} expired ${exactDays > -1 ? 'less than a day' : plural(Math.floor(-exactDays))} ago (${date})`);
      else if (exactDays < criterion.query) failures.push(`certificate for ${name} expires in ${plural(days)} (${date}), below ${criterion.query}`);
    } else {
      if (!authorized) failures.push(`certificate not valid: ${verifyError(authorizationError)}`);
      if (tls.checkServerIdentity(identity, cert) !== undefined) failures.push(`certificate for ${name} does not match host ${identity}`);
    }
  }
  if (failures.length > 0) return { ok: false, reason: failures.join('; ') };
  const left = Number.isNaN(expires) ? '' : exactDays < 0 ? `, expired ${date}` : `, ${plural(days)} left`;
  return { ok: true, reason: list.some((c) => c.type === 'valid') ? `certificate for ${name} valid${left}` : `certificate for ${name}${left.replace(/^, /, ': ')}` };
}

export default defineProbe({
  name: 'tls_probe',
  query: z.strictObject({
    host,
    port: port.default(443),
    servername: z.string({ error: 'expected a host name' }).min(1, { error: 'expected a host name' }).optional(),
    timeout: timeoutSeconds(5),
  }),
  criteria,
  timeout: (q) => q.timeout,
  check: ({ options, signal, timeoutMs, log }) => {
    const q = options.query;
    const target = hostPort(q.host, q.port);
    const servername = q.servername ?? (net.isIP(q.host) ? undefined : q.host);
    const list: Criterion[] =
      options.criteria.length > 0
        ? options.criteria
        : [
            { type: 'expires_in_days_min', label: 'expires_in_days_min', query: DEFAULT_MIN_DAYS },
            { type: 'valid', label: 'valid', query: undefined },
          ];
    return socketCheck({ signal, timeoutMs, log }, target, ({ finish, attach }) => {
      // Verification off: the certificate is read whatever is wrong with it, then judged. The
      // host name is judged apart, so `authorized` says what the chain alone is worth.
      const socket = tls.connect({ host: q.host, port: q.port, rejectUnauthorized: false, checkServerIdentity: () => undefined, ...(servername ? { servername } : {}) });
      attach(socket);
      socket.on('error', (error) => finish(false, socketFailureReason(error, target)));
      socket.on('close', () => finish(false, `connection closed by ${target} during the TLS handshake`));
      socket.once('secureConnect', () => {
        const cert = socket.getPeerCertificate();
        if (!cert || Object.keys(cert).length === 0) return finish(false, `no certificate from ${target}`);
        const verdict = judge(list, cert, socket.authorized, socket.authorizationError, servername ?? q.host, Date.now());
        finish(verdict.ok, verdict.reason);
      });
    });
  },
});
