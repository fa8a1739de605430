import type { OutputOptions } from '../../../origin/src/pipeline/types.js';
import { chooseQuality } from '../../../origin/src/transform/negotiate.js';

/** When the origin's chooseQuality takes a connection for slow, as the CloudFront function checks it. */
export interface SlowConnectionTriggers {
  /** `Save-Data` values (trimmed, lower case). */
  readonly saveData: readonly string[];
  /** `ECT` values (trimmed, lower case). */
  readonly ect: readonly string[];
  /** Slow when `RTT` is above this. */
  readonly rtt: number;
  /** Slow when `Downlink` is below this. */
  readonly downlink: number;
}

// Every value a hint takes in the wild (Save-Data: RFC 8674; ECT: the Network Information API).
const SAVE_DATA_VALUES = ['on', 'off'];
const ECT_VALUES = ['slow-2g', '2g', '3g', '4g'];

const PROBE: OutputOptions = { format: 'original', quality: 1, slowConnectionQuality: 2, metadata: 'copyright', animated: true, compression: 'default' };
const isSlow = (hints: Readonly<Record<string, string>>): boolean => chooseQuality(PROBE, (name) => hints[name]).quality === 2;

/** The smallest whole number in [0, limit] for which `slow` is `when`, by bisection. */
function boundary(slow: (value: number) => boolean, when: boolean, limit: number): number {
  let low = 0;
  let high = limit;
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    if (slow(middle) === when) high = middle;
    else low = middle + 1;
  }
  return low;
}

/**
 * The origin keeps its thresholds inside chooseQuality (origin/src/transform/negotiate.ts), so
 * they are read from what it does rather than copied: the function then always agrees with it.
 * Throws when a threshold is not a whole number, which this reading could not express.
 */
export function slowConnectionTriggers(): SlowConnectionTriggers {
  const rttSlow = (value: number) => isSlow({ rtt: String(value) });
  const downlinkSlow = (value: number) => isSlow({ downlink: String(value) });
  const rtt = boundary(rttSlow, true, 1_000_000) - 1;
  const downlink = boundary(downlinkSlow, false, 1_000_000);
  if (rttSlow(rtt) || !rttSlow(rtt + 0.001) || downlinkSlow(downlink) || !downlinkSlow(downlink - 0.001)) {
    throw new Error('chooseQuality has a slow-connection threshold that is not a whole number; lib/cdk/edge/slow-connection.ts cannot read it');
  }
  return {
    saveData: SAVE_DATA_VALUES.filter((value) => isSlow({ 'save-data': value })),
    ect: ECT_VALUES.filter((value) => isSlow({ ect: value })),
    rtt,
    downlink,
  };
}
