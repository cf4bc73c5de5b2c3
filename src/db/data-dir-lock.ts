import fs from 'node:fs';
import path from 'node:path';
import lockfile from 'proper-lockfile';

export class DataDirLockedError extends Error {}

/** The holder refreshes the lock's time this often; a lock not refreshed for STALE_MS is a dead holder's. */
const UPDATE_MS = 5_000;
const STALE_MS = 15_000;

// Beside the lock, not in it: proper-lockfile removes the lock directory with rmdir.
const holderFile = (dir: string) => path.join(dir, 'closeout.lock-holder');

const holderOf = (dir: string): string => {
  try {
    return fs.readFileSync(holderFile(dir), 'utf8').trim();
  } catch {
    return 'unknown';
  }
};

/**
 * PGlite lets two processes open one data directory and then loses data, so the first process holds a lock
 * (proper-lockfile: a lock directory whose time the holder refreshes every few seconds) and a second one is
 * refused. A lock nobody refreshes is a stopped process's and is taken over once stale: no process IDs are
 * compared, so a restarted container whose process has the same PID as before (1) starts, and a stranger
 * that reused the PID does not block it. `onWait` hears when the lock of a process that just stopped is
 * being waited out.
 */
export const lockDataDir = async (
  dir: string,
  onWait: (message: string) => void = () => {},
): Promise<{ release(): void }> => {
  fs.mkdirSync(dir, { recursive: true });
  const lockPath = path.join(dir, 'closeout.lock');
  const options = {
    lockfilePath: lockPath,
    realpath: false,
    stale: STALE_MS,
    update: UPDATE_MS,
    // Losing the lock while running (the directory removed, the clock jumped) would let a second process
    // in: stop rather than risk the data.
    onCompromised: (err: Error) => {
      process.stderr.write(
        `The data directory lock was lost (${err.message}); stopping to protect the data.\n`,
      );
      process.exit(70);
    },
  };
  try {
    await lockfile.lock(dir, options);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') throw err;
    const age = Date.now() - (fs.statSync(lockPath, { throwIfNoEntry: false })?.mtimeMs ?? 0);
    const inUse = () =>
      new DataDirLockedError(
        `The data directory ${dir} is in use by another Closeout process (${holderOf(dir)}). ` +
          'Stop that process, or set DATA_DIR to a different folder. Opening it twice would lose data.',
      );
    // Refreshed lately: a live process holds it.
    if (age < 2 * UPDATE_MS) throw inUse();
    // Not refreshed for a while: its process most likely stopped; wait until the lock is stale.
    onWait(
      `Waiting up to ${Math.ceil((STALE_MS - age) / 1000)} s for the lock of a stopped process to expire…`,
    );
    try {
      await lockfile.lock(dir, {
        ...options,
        retries: { retries: Math.ceil(STALE_MS / 1000) + 2, minTimeout: 1000, maxTimeout: 1000, factor: 1 },
      });
    } catch (again) {
      if ((again as NodeJS.ErrnoException).code === 'ELOCKED') throw inUse();
      throw again;
    }
  }
  fs.writeFileSync(holderFile(dir), `PID ${process.pid}`);
  return {
    release() {
      // Synchronous on purpose: called on the way out, when nothing awaits.
      try {
        fs.rmSync(holderFile(dir), { force: true });
        lockfile.unlockSync(dir, { lockfilePath: lockPath, realpath: false });
      } catch {
        // already released
      }
    },
  };
};
