import type { TestSubgraph } from '@mesh/test-kit';

/** MongoDB commands the subgraph has sent so far (getMore excluded: it depends on batch sizes, not on N+1). */
export async function dbCommands(target: TestSubgraph): Promise<number> {
  const text = await (await fetch(target.url.replace('/graphql', '/metrics'))).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith('mesh_db_commands_total{') && !line.includes('command="getMore"'))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

/** The error code of the first GraphQL error, if any. */
export function firstCode(response: { errors?: ReadonlyArray<{ extensions?: Record<string, unknown> }> }): unknown {
  return response.errors?.[0]?.extensions?.['code'];
}

export interface MoneyJson {
  readonly amount: string;
  readonly minorUnits: string;
  readonly currency: string;
}
