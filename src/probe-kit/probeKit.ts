import { z } from 'zod';
import { MAX_TIMEOUT_S, MIN_TIMEOUT_S } from '../probe-api/bounds.ts';
import { defineProbe } from '../probe-api/defineProbe.ts';
import { secret } from '../probe-api/secret.ts';
import { showValue } from '../probe-api/showValue.ts';
import { didYouMean } from '../probe-api/suggest.ts';
import { formatSeconds, timeoutReason, untilAborted } from './deadline.ts';
import { hostPort, networkReason } from './networkReason.ts';
import { boolean, host, noQuery, port, timeoutSeconds } from './options.ts';
import { readSecret } from './readSecret.ts';

/**
 * What a probe module in an outside `modules_folder` is handed instead of importing DeadPool's
 * files (it cannot: its folder has no DeadPool and no zod). Such a module default-exports a
 * factory, `export default (kit: ProbeKit) => kit.defineProbe({ … })`; the loader calls it once
 * with this object. Bundled modules import the same pieces directly.
 */
export const probeKit = {
  z,
  defineProbe,
  secret,
  options: { port, host, boolean, timeoutSeconds, noQuery },
  bounds: { MIN_TIMEOUT_S, MAX_TIMEOUT_S },
  networkReason,
  hostPort,
  timeoutReason,
  formatSeconds,
  untilAborted,
  readSecret,
  didYouMean,
  showValue,
};

export type ProbeKit = typeof probeKit;
