/**
 * The one reading of yes/no settings, shared by every layer: flags, environment variables, the
 * config file, handler options and the CDK app's context. Case does not matter.
 */
const YES = new Set(['true', '1', 'yes', 'on']);
const NO = new Set(['false', '0', 'no', 'off']);

export const YES_NO_EXPECTED = 'true or false (or yes/no, on/off, 1/0)';

/** true or false, or undefined for anything that is neither (JSON numbers included: a file says `true`). */
export function readYesNo(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value !== 'string') return undefined;
  const word = value.trim().toLowerCase();
  return YES.has(word) ? true : NO.has(word) ? false : undefined;
}
