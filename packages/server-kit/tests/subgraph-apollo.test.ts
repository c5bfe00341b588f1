import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { GraphQLObjectType } from 'graphql';
import { createLogger, createSubgraphApollo, createSubgraphSchema, type RequestContext } from '../src/index.js';

const definition = {
  name: 'shelf',
  typeDefs: `
    type Query { shelf: Shelf! }
    type Shelf { code: String! levels: [Level!]! }
    type Level { bin: Int! units: Int! }
  `,
  resolvers: {
    Query: {
      shelf: () => ({
        code: 'A1',
        levels: [
          { bin: 1, units: 4 },
          { bin: 2, units: 0 },
        ],
      }),
    },
    Level: { units: (level: { units: number }) => level.units },
  },
};

test('a subgraph answers without Apollo wrapping its field resolvers for per-field plugins (no cache-control pass)', async () => {
  const schema = createSubgraphSchema(definition);
  const fields = (schema.getType('Level') as GraphQLObjectType).getFields();
  const before = { bin: fields['bin']!.resolve, units: fields['units']!.resolve };
  const logger = createLogger('shelf', { LOG_LEVEL: 'error' });
  const apollo = createSubgraphApollo<RequestContext>(definition, logger, schema);
  await apollo.start();
  try {
    const contextValue: RequestContext = { principal: { role: 'admin', subject: 'test' }, correlationId: 'c-1', receivedAt: Date.now(), logger };
    const response = await apollo.executeOperation({ query: '{ shelf { code levels { bin units } } }' }, { contextValue });
    assert.equal(response.body.kind, 'single');
    if (response.body.kind !== 'single') return;
    assert.deepEqual(response.body.singleResult.errors, undefined);
    assert.deepEqual(JSON.parse(JSON.stringify(response.body.singleResult.data)), {
      shelf: {
        code: 'A1',
        levels: [
          { bin: 1, units: 4 },
          { bin: 2, units: 0 },
        ],
      },
    });
    // Apollo replaces every field's resolve with a wrapper once any plugin listens to willResolveField.
    assert.equal(fields['bin']!.resolve, before.bin);
    assert.equal(fields['units']!.resolve, before.units);
    assert.equal(response.http.headers.get('cache-control'), undefined);
  } finally {
    await apollo.stop();
  }
});
