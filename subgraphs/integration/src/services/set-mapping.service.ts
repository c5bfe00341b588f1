import { identifier, pageSize, type Principal } from '@mesh/server-kit';
import type { IntegrationModels } from '../models/index.js';
import { mappingId, type MappingKind, type MappingRecord } from '../models/mapping.model.js';
import { assertMayManageIntegrations, assertMayReadIntegrations } from '../access.js';

export interface SetMappingInput {
  readonly kind: MappingKind;
  readonly system: string;
  readonly externalId: string;
  readonly internalId: string;
}

/** Sets (or changes) one translation of an outside id to the mesh's, as one keyed upsert. Admins. */
export async function setMapping(models: IntegrationModels, principal: Principal, input: SetMappingInput): Promise<MappingRecord> {
  assertMayManageIntegrations(principal);
  const system = identifier(input.system, 'input.system');
  const externalId = identifier(input.externalId, 'input.externalId');
  const internalId = identifier(input.internalId, 'input.internalId');
  const record = await models.mappings
    .findOneAndUpdate(
      { _id: mappingId(input.kind, system, externalId) },
      { $set: { kind: input.kind, system, externalId, internalId, updatedAt: new Date() } },
      { upsert: true, returnDocument: 'after' },
    )
    .lean<MappingRecord>();
  if (!record) throw new Error('the mapping upsert returned nothing');
  return record;
}

/** The mappings of one kind (and system), ordered by external id, at most `first` (default 20, at most 100). */
export async function listMappings(
  models: IntegrationModels,
  principal: Principal,
  kind: MappingKind,
  system: string | null | undefined,
  first: number | null | undefined,
): Promise<MappingRecord[]> {
  assertMayReadIntegrations(principal);
  const limit = pageSize(first);
  return models.mappings
    .find({ kind, ...(system ? { system } : {}) })
    .sort({ externalId: 1 })
    .limit(limit)
    .lean<MappingRecord[]>();
}
