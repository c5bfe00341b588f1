import { readFile, readdir, readlink } from 'node:fs/promises';

/** Socket inodes listening on a TCP port, from /proc/net/tcp and tcp6 (state 0A is LISTEN). */
async function listeningInodes(port: number): Promise<Set<string>> {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(table, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const local = fields[1];
      if (!local || fields[3] !== '0A') continue;
      if (parseInt(local.slice(local.lastIndexOf(':') + 1), 16) === port && fields[9]) inodes.add(fields[9]);
    }
  }
  return inodes;
}

/**
 * The process that listens on a loopback port. The mesh runner does not hand out its gateway's
 * pid, and the bench needs it to measure that process's CPU and memory like a peer's.
 */
export async function pidListeningOn(port: number): Promise<number> {
  const inodes = await listeningInodes(port);
  if (inodes.size === 0) throw new Error(`nothing listens on port ${port}`);
  const owners = new Set<number>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fds = await readdir(`/proc/${entry}/fd`).catch(() => [] as string[]);
    for (const fd of fds) {
      const target = await readlink(`/proc/${entry}/fd/${fd}`).catch(() => '');
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode && inodes.has(inode)) owners.add(Number(entry));
    }
  }
  if (owners.size !== 1) throw new Error(`expected one process listening on port ${port}, found ${owners.size} (${[...owners].join(', ')})`);
  return [...owners][0]!;
}
