/**
 * A value a setting cannot take: kinds say what is wrong ("must be …, got …"), and the layer that
 * read it (flag, environment variable, config file) adds where the value came from.
 */
export class SettingProblem extends Error {
  override readonly name = 'SettingProblem';

  /** `at` continues the setting's name to the part that is wrong (`[2]`, `.thumb`). */
  constructor(
    message: string,
    readonly at = '',
  ) {
    super(message);
  }
}

/** A setting's value from the environment, or a resolved one, that cannot be used: a usage error (exit 2) in the CLI. */
export class InvalidSettingError extends Error {
  override readonly name = 'InvalidSettingError';
}

/** Reads a value, and names `where` it came from if it cannot be read. */
export function readOrExplain<T>(where: string, read: () => T, toError: (message: string) => Error = (message) => new InvalidSettingError(message)): T {
  try {
    return read();
  } catch (error) {
    if (!(error instanceof SettingProblem)) throw error;
    throw toError(`${where}${error.at} ${error.message}`);
  }
}

export const show = (value: unknown): string => (value === undefined ? 'nothing' : JSON.stringify(value));
