import { LRUCache } from 'lru-cache';
import type { InventoryModels } from './models/index.js';
import type { LocationRecord } from './models/location.model.js';

/**
 * Locations by id, remembered in this process for `rememberMs` after they were read. Locations are
 * reference data (the seed writes them, no use case changes them) and every availability page names
 * the same few dozen, so a page's levels no longer wait on, or cost the database, a locations query
 * each time. An id that names no location is not remembered: a new location is seen at once; a
 * renamed one within `rememberMs`.
 */
export class LocationDirectory {
  private readonly remembered: LRUCache<string, LocationRecord>;

  constructor(
    private readonly models: InventoryModels,
    rememberMs: number,
  ) {
    this.remembered = new LRUCache({ max: 10_000, ttl: rememberMs });
  }

  /**
   * The locations in the order asked (null: no location with that id); the ones not remembered
   * cost one query. Each answer is the caller's own copy: federation's entity resolution writes
   * `__typename` into what a reference resolver returns, so a shared object must not be handed out.
   */
  async byIds(ids: readonly string[]): Promise<(LocationRecord | null)[]> {
    const found = new Map<string, LocationRecord>();
    const missing: string[] = [];
    for (const id of ids) {
      const known = this.remembered.get(id);
      if (known) found.set(id, known);
      else missing.push(id);
    }
    if (missing.length > 0) {
      const rows = await this.models.locations.find({ _id: { $in: missing } }).lean<LocationRecord[]>();
      for (const row of rows) {
        this.remembered.set(row._id, row);
        found.set(row._id, row);
      }
    }
    return ids.map((id) => {
      const location = found.get(id);
      return location ? { ...location } : null;
    });
  }
}
