import fs from 'node:fs';
import path from 'node:path';

export class DataDirLockedError extends Error {}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * PGlite lets two processes open one data directory and then loses data, so the first process takes
 * a lock file holding its PID and a second one is refused. A lock left by a dead process is taken over.
 */
export const lockDataDir = (dir: string): { release(): void } => {
  fs.mkdirSync(dir, { recursive: true });
  const lockPath = path.join(dir, 'closeout.lock');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = fs.openSync(lockPath, 'wx');
      fs.writeSync(fd, `${process.pid}\n`);
      fs.closeSync(fd);
      return {
        release() {
          try {
            if (fs.readFileSync(lockPath, 'utf8').trim() === String(process.pid)) fs.unlinkSync(lockPath);
          } catch {
            // already gone
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const content = fs.readFileSync(lockPath, 'utf8').trim();
    const pid = Number.parseInt(content, 10);
    if (Number.isInteger(pid) && pid > 0 && alive(pid)) {
      throw new DataDirLockedError(
        `The data directory ${dir} is in use by another Closeout process (PID ${pid}). ` +
          'Stop that process, or set DATA_DIR to a different folder. Opening it twice would lose data.',
      );
    }
    // Stale: remove it only if it still holds what we read, so we never delete a fresh lock.
    if (fs.readFileSync(lockPath, 'utf8').trim() === content) fs.unlinkSync(lockPath);
  }
  throw new DataDirLockedError(`Could not lock the data directory ${dir}`);
};
