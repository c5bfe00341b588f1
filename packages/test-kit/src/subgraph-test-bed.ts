import { startTestDatabase, type RunningDatabase } from '@mesh/embedded-mongo';
import type { RequestContext, SubgraphModule } from '@mesh/server-kit';
import { startTestSubgraph, type TestSubgraph, type TestSubgraphOptions } from './subgraph-harness.js';

/** A subgraph on a database of its own, for one test file. */
export interface SubgraphTestBed {
  readonly database: RunningDatabase;
  readonly subgraph: TestSubgraph;
  /** Closes the subgraph, then stops its database. */
  close(): Promise<void>;
}

export async function startSubgraphTestBed<TSettings, TModels, TRuntime, TContext extends RequestContext>(
  module: SubgraphModule<TSettings, TModels, TRuntime, TContext>,
  options: Omit<TestSubgraphOptions, 'mongoUri'> = {},
): Promise<SubgraphTestBed> {
  const database = await startTestDatabase();
  const subgraph = await startTestSubgraph(module, { ...options, mongoUri: database.uri });
  return {
    database,
    subgraph,
    async close() {
      await subgraph.close();
      await database.stop();
    },
  };
}
