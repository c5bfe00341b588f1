import { InterfaceType, ObjectType, type Supergraph } from '@apollo/federation-internals';
import type { ListSize } from './operation-cost.js';

/**
 * The declared list sizes of a supergraph: every field's `@listSize(assumedSize, slicingArguments)`
 * (Federation 2.9's demand-control directive, composed into the supergraph), then LIST_SIZES
 * from configuration on top.
 */
export function declaredListSizes(supergraph: Supergraph, configured: Readonly<Record<string, number>>): ReadonlyMap<string, ListSize> {
  const sizes = new Map<string, ListSize>();
  for (const type of supergraph.schema.types()) {
    if (!(type instanceof ObjectType || type instanceof InterfaceType)) continue;
    for (const field of type.fields()) {
      for (const directive of field.appliedDirectives) {
        if (directive.name !== 'listSize' && !directive.name.endsWith('__listSize')) continue;
        const args = directive.arguments() as { assumedSize?: unknown; slicingArguments?: unknown };
        const assumedSize = typeof args.assumedSize === 'number' ? args.assumedSize : undefined;
        const slicingArguments = Array.isArray(args.slicingArguments)
          ? args.slicingArguments.filter((arg): arg is string => typeof arg === 'string')
          : undefined;
        sizes.set(`${type.name}.${field.name}`, { ...(assumedSize !== undefined ? { assumedSize } : {}), ...(slicingArguments ? { slicingArguments } : {}) });
      }
    }
  }
  for (const [coordinate, assumedSize] of Object.entries(configured)) sizes.set(coordinate, { ...sizes.get(coordinate), assumedSize });
  return sizes;
}
