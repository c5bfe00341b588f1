import { readFile } from 'node:fs/promises';

/**
 * The kernel's count of connections dropped because a listening socket's accept queue was full
 * (TcpExt ListenOverflows in /proc/net/netstat): each such client retries its SYN only after 1 s,
 * then 3 s. System-wide, so other work on the machine counts too; NaN where it cannot be read.
 */
export async function listenOverflows(): Promise<number> {
  const text = await readFile('/proc/net/netstat', 'utf8').catch(() => '');
  const [names, values] = text.split('\n').filter((line) => line.startsWith('TcpExt:'));
  if (!names || !values) return Number.NaN;
  const index = names.split(/\s+/).indexOf('ListenOverflows');
  return index < 0 ? Number.NaN : Number(values.split(/\s+/)[index]);
}
