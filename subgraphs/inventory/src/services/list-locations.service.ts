import { boundedText } from '@mesh/server-kit';
import type { InventoryModels } from '../models/index.js';
import type { LocationRecord, LocationType } from '../models/location.model.js';

/** Locations ordered by code, narrowed to a type and/or region when given (matched literally). */
export async function listLocations(models: InventoryModels, args: { type?: LocationType | null; region?: string | null }): Promise<LocationRecord[]> {
  const region = boundedText(args.region, 'region', 40);
  return models.locations
    .find({ ...(args.type ? { type: args.type } : {}), ...(region !== undefined ? { region } : {}) })
    .sort({ code: 1 })
    .lean<LocationRecord[]>();
}
