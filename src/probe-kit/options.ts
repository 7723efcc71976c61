import { z } from 'zod';
import { BOOLEAN_EXPECTED, MAX_TIMEOUT_S, MIN_TIMEOUT_S, TIMEOUT_EXPECTED } from '../probe-api/bounds.ts';

/** Option schemas every probe type words the same way. */

export const PORT_EXPECTED = 'expected a port number (1-65535)';

export const port = z.int({ error: PORT_EXPECTED }).min(1, { error: PORT_EXPECTED }).max(65535, { error: PORT_EXPECTED });

export const host = z.string({ error: 'expected a host name or address' }).min(1, { error: 'expected a host name or address' });

export const boolean = z.boolean({ error: BOOLEAN_EXPECTED });

/** A check's deadline in seconds, within the bounds every module obeys. */
export const timeoutSeconds = (defaultSeconds: number) =>
  z.number({ error: TIMEOUT_EXPECTED }).min(MIN_TIMEOUT_S, { error: TIMEOUT_EXPECTED }).max(MAX_TIMEOUT_S, { error: TIMEOUT_EXPECTED }).default(defaultSeconds);

/** A criterion that takes no `query` (`pass`). */
export const noQuery = z.unknown().optional();
