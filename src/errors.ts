/**
 * Errors written for the person who reads them: what happened, the offending value, where it
 * came from, and how to fix it. `code` is a stable string for scripts and tests.
 */
export type MfeDevErrorCode =
  | 'MFE_CONFIG_NOT_FOUND'
  | 'MFE_CONFIG_INVALID'
  | 'MFE_CONFIG_LOAD_FAILED'
  | 'MFE_EXTENDS_NOT_FOUND'
  | 'MFE_PORT_IN_USE'
  | 'MFE_HOST_INVALID'
  | 'MFE_UNKNOWN_FRAGMENT'
  | 'MFE_UNKNOWN_PRESET'
  | 'MFE_INIT_EXISTS'
  | 'MFE_HTTPS_FILE_INVALID'
  | 'MFE_HTTPS_CA_DAMAGED'
  | 'MFE_HTTPS_CA_LOCKED'
  | 'MFE_HTTPS_HOME_UNUSABLE'
  | 'MFE_REPLAY_INPUT_INVALID';

export class MfeDevError extends Error {
  readonly code: MfeDevErrorCode;
  /** The file the error is about, when there is one. */
  readonly file?: string;

  constructor(code: MfeDevErrorCode, message: string, options: { file?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MfeDevError';
    this.code = code;
    this.file = options.file;
  }
}

export function isMfeDevError(error: unknown): error is MfeDevError {
  return error instanceof MfeDevError;
}

/** A one-line description of any thrown value, for logs and error pages. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}
