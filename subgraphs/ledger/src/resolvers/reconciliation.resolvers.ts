import type { ReconciliationGroupResolvers, ReconciliationMismatchResolvers } from '../__generated__/resolvers-types.js';

export const ReconciliationGroup: ReconciliationGroupResolvers = {
  location: (group) => ({ id: group.locationId }),
};

export const ReconciliationMismatch: ReconciliationMismatchResolvers = {
  location: (mismatch) => (mismatch.locationId ? { id: mismatch.locationId } : null),
};
