import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { PingoraError } from '@pingora-ts/error';

/** Writes this process's pid to `file` (a line, as daemons do). */
export function writePidFile(file: string): void {
  try {
    writeFileSync(file, `${process.pid}\n`);
  } catch (cause) {
    throw PingoraError.because('FileWriteError', `writing pid file ${file}`, cause, {
      detail: { file },
    });
  }
}

/**
 * Removes `file` if it still holds this process's pid: after an upgrade the new master has
 * written its own, which must stay.
 */
export function removePidFile(file: string): void {
  try {
    if (readFileSync(file, 'utf8').trim() === String(process.pid)) rmSync(file);
  } catch {
    // Gone already, or never written.
  }
}
