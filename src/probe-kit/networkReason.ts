/**
 * The one wording of a network failure in a reason, for every probe type: the error code and where
 * (`ECONNREFUSED 10.0.0.5:5432`, `ENOTFOUND db.example`, `ECONNRESET 10.0.0.5:80: socket hang up`).
 * Node's own message is added only when it says more than the code.
 */
interface NodeLikeError {
  code?: unknown;
  message?: unknown;
  address?: unknown;
  port?: unknown;
  hostname?: unknown;
  syscall?: unknown;
  errors?: unknown;
  cause?: unknown;
}

/** `10.0.0.5:5432`, `[::1]:6379`, or the host alone when there is no port. */
export function hostPort(host: string, port: unknown): string {
  const shown = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return port === undefined || port === null || port === '' ? shown : `${shown}:${String(port)}`;
}

function describeOne(error: NodeLikeError, target: string): string {
  const code = typeof error.code === 'string' ? error.code : undefined;
  const message = typeof error.message === 'string' ? error.message : '';
  let where = target;
  if (typeof error.address === 'string') where = hostPort(error.address, error.port);
  else if (error.syscall === 'getaddrinfo' && typeof error.hostname === 'string') where = error.hostname;
  // Node's own texts ("connect ECONNREFUSED 1.2.3.4:80", "read ECONNRESET") repeat what we already say.
  const redundant = message === '' || message === code || (code !== undefined && new RegExp(`^\\w+ ${code}\\b`).test(message));
  return `${code ?? 'error'} ${where}${redundant ? '' : `: ${message}`}`;
}

/**
 * `error` as a reason, `target` (`host:port`) naming where when the error does not. A wrapped error
 * (as axios and the SQL drivers make them) is described by its `cause`; a dual-stack connect that
 * failed on every address (an AggregateError) by each distinct failure.
 */
export function networkReason(error: unknown, target: string): string {
  if (typeof error !== 'object' || error === null) return `error ${target}: ${String(error)}`;
  const wrapper = error as NodeLikeError;
  const original = (typeof wrapper.cause === 'object' && wrapper.cause !== null && typeof (wrapper.cause as NodeLikeError).code === 'string' ? wrapper.cause : wrapper) as NodeLikeError;
  if (Array.isArray(original.errors) && original.errors.length > 0) {
    return [...new Set(original.errors.map((e: unknown) => describeOne((e ?? {}) as NodeLikeError, target)))].join(', ');
  }
  return describeOne(original, target);
}
