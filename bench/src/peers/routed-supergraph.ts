import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SUBGRAPHS, type SubgraphName } from '@mesh/mesh-runner';
import { readSchemaSlices } from '@mesh/server-kit';

const SUPERGRAPH = fileURLToPath(new URL('../../../schema/supergraph.graphql', import.meta.url));

/**
 * Our composed supergraph names the URLs compose was given; our gateway ignores them (it reads
 * subgraph URLs from its environment) but peers route by them. Writes a copy whose
 * `@join__graph(url:)` point at the running mesh's subgraphs and answers its path.
 */
export async function writeRoutedSupergraph(workDir: string, subgraphUrls: Readonly<Record<SubgraphName, string>>): Promise<string> {
  const original = await readFile(SUPERGRAPH, 'utf8');
  const routed = new Set<string>();
  const sdl = original.replace(/@join__graph\(name: "([a-z]+)", url: "[^"]*"\)/g, (_match, name: string) => {
    const url = subgraphUrls[name as SubgraphName];
    if (!url) throw new Error(`the supergraph names subgraph "${name}", which the mesh does not run`);
    routed.add(name);
    return `@join__graph(name: "${name}", url: "${url}")`;
  });
  const missing = SUBGRAPHS.filter((name) => !routed.has(name));
  if (missing.length > 0) throw new Error(`the supergraph has no @join__graph for ${missing.join(', ')}`);
  const path = join(workDir, 'supergraph.routed.graphql');
  await writeFile(path, sdl);
  return path;
}

/**
 * Writes the SDL a subgraph serves (its schema slices, concatenated) into `workDir` as one file,
 * what Cosmo's wgc composes from, and answers its path.
 */
export async function writeSubgraphSchema(workDir: string, name: SubgraphName): Promise<string> {
  const path = join(workDir, `${name}.graphql`);
  await writeFile(path, readSchemaSlices(new URL(`../../../subgraphs/${name}/src/`, import.meta.url)));
  return path;
}
