import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';

/** Creates `dir` if needed; false when it cannot be created or written (e.g. a read-only image). */
export async function writableDir(dir: string): Promise<boolean> {
  try {
    await mkdir(dir, { recursive: true });
    await access(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
