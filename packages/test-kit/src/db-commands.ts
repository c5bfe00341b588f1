import { sumCounter } from '@mesh/server-kit';

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
