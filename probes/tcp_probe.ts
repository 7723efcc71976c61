/**
 * tcp_probe: one TCP connection per check (Heartbeat's TCP check), optionally a TLS handshake over
 * it, optionally a string sent and the server's first bytes (its banner) matched against Python
 * regular expressions.
 *
 * Choices, and why:
 * - With TLS the certificate is verified (chain and host name) unless `insecure: True`, as url_probe
 *   does; failures read like url_probe's (`DEPTH_ZERO_SELF_SIGNED_CERT 10.0.0.5:443: self-signed
 *   certificate`). The SNI name is `servername`, else the host unless it is an IP address (SNI
 *   carries names only).
 * - The banner is what the server sends first: read until every `re_search` pattern matches, or
 *   4 KB came, or the server closed the connection; it is then judged as it is. Bytes are decoded as
 *   UTF-8 (invalid bytes become U+FFFD) and patterns searched with Python's `re.search` semantics.
 * - A deadline met while still waiting for the banner is a timeout, whatever part of it came (the
 *   part is logged at debug level): a server that answers too slowly fails like one that does not.
 * - Without `re_search` the probe passes once connected (and handshaken); `send` is written and
 *   flushed first, so a `QUIT` reaches the server, then the connection is closed by us.
 * - Reasons show the banner escaped and cut to 60 characters, so a binary greeting cannot break the
 *   one-line flag file.
 */
import net from 'node:net';
import tls from 'node:tls';
import { z } from 'zod';
import { defineProbe } from '../src/probe-api/defineProbe.ts';
import { hostPort } from '../src/probe-kit/networkReason.ts';
import { boolean, host, noQuery, port, timeoutSeconds } from '../src/probe-kit/options.ts';
import { pythonPattern } from '../src/probe-kit/pythonPattern.ts';
import { socketCheck, socketFailureReason } from '../src/probe-kit/socketCheck.ts';

/** The most of a banner read and judged. */
const MAX_BANNER_BYTES = 4096;
/** The most of a banner shown in a reason, in characters. */
const SHOWN_BANNER_CHARS = 60;

const query = z.strictObject({
  host,
  port,
  timeout: timeoutSeconds(5),
  tls: boolean.default(false),
  insecure: boolean.default(false),
  servername: z.string({ error: 'expected a host name' }).min(1, { error: 'expected a host name' }).optional(),
  send: z.string({ error: 'expected a string (quote it in YAML)' }).optional(),
});

/** `"220 smtp ready\r\n"`: escaped, cut, one line whatever the server sent. */
function showBanner(text: string): string {
  const chars = Array.from(text);
  const shown = chars
    .slice(0, SHOWN_BANNER_CHARS)
    .map((c) => {
      if (c === '\n') return '\\n';
      if (c === '\r') return '\\r';
      if (c === '\t') return '\\t';
      if (c === '"' || c === '\\') return `\\${c}`;
      if (/[\p{C}\p{Zl}\p{Zp}]/u.test(c)) {
        const code = c.codePointAt(0) ?? 0;
        return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
      }
      return c;
    })
    .join('');
  return `"${shown}${chars.length > SHOWN_BANNER_CHARS ? '…' : ''}"`;
}

export default defineProbe({
  name: 'tcp_probe',
  query,
  criteria: { pass: noQuery, re_search: pythonPattern },
  timeout: (q) => q.timeout,
  refine: ({ query: q }) => {
    if (q.tls) return [];
    return (['insecure', 'servername'] as const)
      .filter((key) => (key === 'insecure' ? q.insecure : q.servername !== undefined))
      .map((key) => ({ path: ['query', key], message: 'expected only with tls: True (it concerns the TLS handshake)' }));
  },
  check: ({ options, signal, timeoutMs, log }) => {
    const q = options.query;
    const target = hostPort(q.host, q.port);
    const patterns = options.criteria.flatMap((c) => (c.type === 're_search' ? [c.query] : []));
    const started = performance.now();
    let connectedMs: number | undefined;
    let received = Buffer.alloc(0);
    const banner = (): string => received.toString('utf8');
    const logBannerSoFar = (): void => {
      if (connectedMs !== undefined && patterns.length > 0) log.debug(`${target}: banner so far ${showBanner(banner())}`);
    };

    return socketCheck(
      { signal, timeoutMs, log },
      target,
      ({ finish, attach }) => {
        const servername = q.servername ?? (net.isIP(q.host) ? undefined : q.host);
        const socket = q.tls
          ? tls.connect({ host: q.host, port: q.port, rejectUnauthorized: !q.insecure, ...(servername ? { servername } : {}) })
          : net.connect({ host: q.host, port: q.port });
        attach(socket);
        const connected = (): string => `connected to ${target} in ${connectedMs ?? 0} ms${socket instanceof tls.TLSSocket ? ` (${socket.getProtocol() ?? 'TLS'})` : ''}`;
        /** The banner is complete (all patterns match, 4 KB, or the server closed): judge it. */
        const judge = (): void => {
          const text = banner();
          const failing = patterns.filter((p) => !p.regex.test(text));
          if (failing.length > 0) finish(false, `banner does not match ${failing.map((p) => `/${p.pattern}/`).join(', ')}: ${showBanner(text)}`);
          else finish(true, `${connected()}, banner ${showBanner(text)}`);
        };
        socket.on('error', (error) => finish(false, socketFailureReason(error, target)));
        socket.once(q.tls ? 'secureConnect' : 'connect', () => {
          connectedMs = Math.round(performance.now() - started);
          if (patterns.length > 0) {
            if (q.send !== undefined) socket.write(q.send);
          } else if (q.send !== undefined) {
            // Flushed before we close, so the server gets it; a failed write is reported by 'error'.
            socket.write(q.send, (error) => !error && finish(true, connected()));
          } else {
            finish(true, connected());
          }
        });
        socket.on('data', (chunk: Buffer) => {
          if (patterns.length === 0) return;
          received = Buffer.concat([received, chunk]).subarray(0, MAX_BANNER_BYTES);
          const text = banner();
          if (received.length >= MAX_BANNER_BYTES || patterns.every((p) => p.regex.test(text))) judge();
        });
        // The server closed its side: whatever came is the whole banner.
        socket.on('end', () => {
          if (connectedMs === undefined) return;
          if (patterns.length > 0) judge();
          else finish(true, connected());
        });
        // Closed without an error or an end (during a TLS handshake, say): still a reason, never a hang.
        socket.on('close', () => finish(false, `connection closed by ${target}`));
      },
      logBannerSoFar,
    );
  },
});
