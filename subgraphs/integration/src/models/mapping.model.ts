import { Schema, type Connection, type Model } from 'mongoose';

export const MAPPING_KINDS = ['SKU', 'LOCATION', 'CUSTOMER'] as const;
export type MappingKind = (typeof MAPPING_KINDS)[number];

/** An outside system's id translated to the mesh's: `_id` is `<kind>:<system>:<external id>`. */
export interface MappingRecord {
  _id: string;
  kind: MappingKind;
  system: string;
  externalId: string;
  internalId: string;
  updatedAt: Date;
}

export const mappingId = (kind: MappingKind, system: string, externalId: string) => `${kind}:${system}:${externalId}`;

const mappingSchema = new Schema<MappingRecord>(
  {
    _id: { type: String, required: true },
    kind: { type: String, required: true, enum: MAPPING_KINDS },
    system: { type: String, required: true },
    externalId: { type: String, required: true },
    internalId: { type: String, required: true },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'mappings' },
);
mappingSchema.index({ kind: 1, system: 1, externalId: 1 });

export type MappingModel = Model<MappingRecord>;

export function registerMappingModel(connection: Connection): MappingModel {
  return connection.model<MappingRecord>('Mapping', mappingSchema);
}
