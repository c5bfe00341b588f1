import { composeServices } from '@apollo/composition';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { parse } from 'graphql';

// A supergraph that has nothing to do with retail: an observatory's planets, moons and comets,
// the missions sent to them, their crews and telemetry. Four plain Apollo subgraphs (no mesh
// credential, no server-kit) that together use @key, @requires, @provides, an interface, a
// union and Federation 2.9's @listSize, so the gateway is shown to serve any Federation 2 graph.

const link = (version: string, imports: readonly string[]) =>
  `extend schema @link(url: "https://specs.apollo.dev/federation/${version}", import: [${imports.map((name) => `"${name}"`).join(', ')}])`;

interface Body {
  readonly id: string;
  readonly name: string;
  readonly kind: 'Planet' | 'Moon';
}
const PLANETS = [
  { id: 'p1', name: 'Kepler-22b', massKg: 3.6e25 },
  { id: 'p2', name: 'Gliese 581c', massKg: 3.3e25 },
  { id: 'p3', name: 'Tiny', massKg: 1.0e21 },
];
const MOONS = [
  { id: 'm1', name: 'Io-like', planetId: 'p1' },
  { id: 'm2', name: 'Europa-like', planetId: 'p2' },
];
const COMETS = [{ designation: 'C/2026 A1' }];
const MISSIONS = [
  { id: 'x1', name: 'First Light', targetId: 'p1', crewIds: ['a1', 'a2'] },
  { id: 'x2', name: 'Deep Survey', targetId: 'p2', crewIds: ['a2', 'a3'] },
  { id: 'x3', name: 'Return', targetId: 'p1', crewIds: ['a3'] },
];
const ASTRONAUTS = [
  { id: 'a1', name: 'Ada' },
  { id: 'a2', name: 'Grace' },
  { id: 'a3', name: 'Katherine' },
];

export interface ToySubgraph {
  readonly name: string;
  readonly typeDefs: string;
  readonly resolvers: GraphQLResolverMap<unknown>;
}

const planets: ToySubgraph = {
  name: 'planets',
  typeDefs: `${link('v2.3', ['@key', '@shareable'])}
    type Query { bodies: [Body!]! planet(id: ID!): Planet observables: [Observable!]! }
    interface Body { id: ID! name: String! }
    type Planet implements Body @key(fields: "id") { id: ID! name: String! @shareable massKg: Float! }
    type Moon implements Body @key(fields: "id") { id: ID! name: String! planet: Planet! }
    type Comet { designation: String! }
    union Observable = Planet | Moon | Comet`,
  resolvers: {
    Query: {
      bodies: (): Body[] => [...PLANETS.map((p) => ({ ...p, kind: 'Planet' as const })), ...MOONS.map((m) => ({ ...m, kind: 'Moon' as const }))],
      planet: (_: unknown, { id }: { id: string }) => PLANETS.find((p) => p.id === id) ?? null,
      observables: () => [
        ...PLANETS.map((p) => ({ ...p, kind: 'Planet' })),
        ...MOONS.map((m) => ({ ...m, kind: 'Moon' })),
        ...COMETS.map((c) => ({ ...c, kind: 'Comet' })),
      ],
    },
    Body: { __resolveType: (body: Body) => body.kind },
    Observable: { __resolveType: (value: { kind: string }) => value.kind },
    Planet: { __resolveReference: (ref: { id: string }) => PLANETS.find((p) => p.id === ref.id) ?? null },
    Moon: {
      __resolveReference: (ref: { id: string }) => MOONS.find((m) => m.id === ref.id) ?? null,
      planet: (moon: { planetId: string }) => PLANETS.find((p) => p.id === moon.planetId),
    },
  },
};

const missions: ToySubgraph = {
  name: 'missions',
  typeDefs: `${link('v2.9', ['@key', '@external', '@provides', '@listSize'])}
    type Query {
      missions: [Mission!]! @listSize(assumedSize: 50)
      missionPage(first: Int!): [Mission!]! @listSize(slicingArguments: ["first"])
    }
    type Mission @key(fields: "id") { id: ID! name: String! target: Planet! @provides(fields: "name") crew: [Astronaut!]! }
    type Planet @key(fields: "id") { id: ID! name: String! @external visitedBy: [Mission!]! }
    type Astronaut @key(fields: "id", resolvable: false) { id: ID! }`,
  resolvers: {
    Query: {
      missions: () => MISSIONS,
      missionPage: (_: unknown, { first }: { first: number }) => MISSIONS.slice(0, first),
    },
    Mission: {
      target: (mission: { targetId: string }) => {
        const planet = PLANETS.find((p) => p.id === mission.targetId);
        return { id: planet?.id, name: planet?.name };
      },
      crew: (mission: { crewIds: string[] }) => mission.crewIds.map((id) => ({ id })),
    },
    Planet: {
      __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
      visitedBy: (planet: { id: string }) => MISSIONS.filter((m) => m.targetId === planet.id),
    },
  },
};

const telemetry: ToySubgraph = {
  name: 'telemetry',
  typeDefs: `${link('v2.3', ['@key', '@external', '@requires'])}
    type Planet @key(fields: "id") { id: ID! massKg: Float! @external gravityClass: String! @requires(fields: "massKg") }`,
  resolvers: {
    Planet: {
      __resolveReference: (ref: { id: string; massKg?: number }) => ref,
      gravityClass: (planet: { massKg: number }) => (planet.massKg > 3.5e25 ? 'super-earth' : planet.massKg > 1e24 ? 'earth-like' : 'dwarf'),
    },
  },
};

const crew: ToySubgraph = {
  name: 'crew',
  typeDefs: `${link('v2.3', ['@key'])}
    type Query { astronauts: [Astronaut!]! }
    type Astronaut @key(fields: "id") { id: ID! name: String! }`,
  resolvers: {
    Query: { astronauts: () => ASTRONAUTS },
    Astronaut: { __resolveReference: (ref: { id: string }) => ASTRONAUTS.find((a) => a.id === ref.id) ?? null },
  },
};

export const TOY_SUBGRAPHS: readonly ToySubgraph[] = [planets, missions, telemetry, crew];

/** Composes subgraphs (the toy ones by default, or any with a name and SDL) with their URLs into a supergraph SDL. */
export function composeToySupergraph(
  urls: Readonly<Record<string, string>>,
  subgraphs: readonly Pick<ToySubgraph, 'name' | 'typeDefs'>[] = TOY_SUBGRAPHS,
): string {
  const result = composeServices(subgraphs.map(({ name, typeDefs }) => ({ name, typeDefs: parse(typeDefs), url: urls[name] ?? `http://127.0.0.1:9/${name}` })));
  if (result.errors) throw new Error(result.errors.map((error) => error.message).join('\n'));
  return result.supergraphSdl;
}

export interface RunningToySubgraphs {
  readonly urls: Readonly<Record<string, string>>;
  /** Operations the subgraphs have received, all together: proves a refused operation reached none. */
  requests(): number;
  close(): Promise<void>;
}

/** Serves each subgraph with plain Apollo Server on an ephemeral port. */
export async function startToySubgraphs(subgraphs: readonly ToySubgraph[] = TOY_SUBGRAPHS): Promise<RunningToySubgraphs> {
  const servers: ApolloServer[] = [];
  const urls: Record<string, string> = {};
  let requests = 0;
  const counting = { requestDidStart: async () => void (requests += 1) };
  for (const { name, typeDefs, resolvers } of subgraphs) {
    const server = new ApolloServer({ schema: buildSubgraphSchema({ typeDefs: parse(typeDefs), resolvers }), plugins: [counting] });
    const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
    servers.push(server);
    urls[name] = url;
  }
  return { urls, requests: () => requests, close: async () => void (await Promise.all(servers.map((server) => server.stop()))) };
}
