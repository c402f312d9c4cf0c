import { statSync } from 'node:fs';
import path from 'node:path';
import { MfeDevError } from '../errors.js';

/**
 * A file-system failure in mfe-dev's folder as a message for the person at the terminal: which
 * folder, what is wrong with it, how to fix it. Anything else is returned unchanged.
 */
export function folderError(error: unknown, dir: string): unknown {
  if (error instanceof MfeDevError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const where = (error as NodeJS.ErrnoException | undefined)?.path ?? dir;
  const elsewhere = 'or set MFE_DEV_HOME to a folder of your own (mfe-dev keeps its local certificate authority there)';
  let message: string | undefined;
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      message = `the disk holding ${dir} is full (${code} writing ${where}). Free some space, ${elsewhere}.`;
      break;
    case 'EACCES':
    case 'EPERM':
      message = `${dir} is not writable by you (${code} on ${where}). Make it yours (\`chmod u+rwx ${dir}\`, or \`chown\` it), ${elsewhere}.`;
      break;
    case 'EROFS':
      message = `${dir} is on a read-only file system (${code} writing ${where}). Set MFE_DEV_HOME to a folder on a writable disk.`;
      break;
    case 'ENOTDIR':
    case 'EEXIST': {
      const file = firstFile(dir);
      if (!file) return error;
      message = `${file} is a file, but mfe-dev needs ${dir} to be a folder (${code}). Move the file away, ${elsewhere}.`;
      break;
    }
    default:
      return error;
  }
  return new MfeDevError('MFE_HTTPS_HOME_UNUSABLE', `cannot keep the local certificate authority in ${dir}: ${message}`, { file: dir, cause: error });
}

/** `dir` or the first of its parents that exists and is not a folder. */
function firstFile(dir: string): string | undefined {
  for (let current = dir; ; current = path.dirname(current)) {
    try {
      if (!statSync(current).isDirectory()) return current;
      return undefined;
    } catch {
      // Does not exist: look at its parent.
    }
    if (path.dirname(current) === current) return undefined;
  }
}
