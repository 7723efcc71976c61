/** A mistake on the command line (a probe, pool or category that does not exist, a bad `--for`): exit 2 with this message. */
export class UsageError extends Error {
  override name = 'UsageError';
}
