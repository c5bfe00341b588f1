import { sumCounter, type RunningSubgraph } from '@mesh/server-kit';

const COUNTER = 'mesh_db_commands_total';

/**
 * Database commands counted in a service's Prometheus text. `getMore` (the next batch of an
 * open cursor) is left out unless asked for: it grows with result size, not with round trips a
 * resolver causes per item.
 */
export function dbCommandCount(metricsText: string, options: { includeGetMore?: boolean } = {}): number {
  const total = sumCounter(metricsText, COUNTER);
  if (options.includeGetMore) return total;
  const getMore = metricsText.split('\n').find((line) => line.startsWith(`${COUNTER}{`) && line.includes('command="getMore"'));
  return total - (getMore ? Number(getMore.slice(getMore.lastIndexOf(' ') + 1)) : 0);
}

/** Database commands a service (given by its /graphql URL) has sent so far, read from its /metrics. */
export async function dbCommands(target: { readonly url: string }, options: { includeGetMore?: boolean } = {}): Promise<number> {
  const text = await (await fetch(target.url.replace(/\/graphql$/, '/metrics'))).text();
  return dbCommandCount(text, options);
}

/**
 * The `find` commands `subgraph` sends to its database while `work` runs, in order: `started
 * <collection>` when one is sent, `answered` when one is answered. Two `started` before the first
 * `answered` shows two queries in flight at once (one round trip, not two).
 */
export async function findsDuring<T>(
  subgraph: Pick<RunningSubgraph, 'connection'>,
  work: () => Promise<T>,
): Promise<{ readonly result: T; readonly events: readonly string[] }> {
  const client = subgraph.connection.getClient();
  const events: string[] = [];
  const started = (event: { commandName: string; command: Record<string, unknown> }) => {
    if (event.commandName === 'find') events.push(`started ${String(event.command['find'])}`);
  };
  const succeeded = (event: { commandName: string }) => {
    if (event.commandName === 'find') events.push('answered');
  };
  client.on('commandStarted', started);
  client.on('commandSucceeded', succeeded);
  try {
    return { result: await work(), events };
  } finally {
    client.off('commandStarted', started);
    client.off('commandSucceeded', succeeded);
  }
}
