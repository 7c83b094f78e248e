import { readdirSync, readFileSync } from 'node:fs';

/**
 * User + system CPU a process (or one of its threads) has used so far, in ms, from /proc (Linux); NaN
 * where that cannot be read (another system, a process that is gone).
 */
export function cpuMs(pid: number | string, tid?: number | string): number {
  try {
    const path = tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`;
    // After the command name, which may hold spaces: utime and stime are fields 14 and 15 of stat, in
    // clock ticks (100 Hz).
    const fields = readFileSync(path, 'utf8')
      .replace(/^.*\) /, '')
      .split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

/** CPU so far (user + system ms) of each thread of a process, by thread id; empty where unreadable. */
export function threadCpuMs(pid: number): Map<string, number> {
  const threads = new Map<string, number>();
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) threads.set(tid, cpuMs(pid, tid));
  } catch {
    // not Linux, or the process is gone
  }
  return threads;
}
