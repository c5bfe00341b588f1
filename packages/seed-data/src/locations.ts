import type { Region, SeedLocation } from './types.js';

interface Site {
  code: string;
  name: string;
  region: Region;
}

const STORES: Site[] = [
  { code: 'NYC01', name: 'New York Fifth Avenue', region: 'US-EAST' },
  { code: 'NYC02', name: 'Brooklyn Williamsburg', region: 'US-EAST' },
  { code: 'BOS01', name: 'Boston Newbury Street', region: 'US-EAST' },
  { code: 'PHL01', name: 'Philadelphia Walnut Street', region: 'US-EAST' },
  { code: 'MIA01', name: 'Miami Design District', region: 'US-EAST' },
  { code: 'SFO01', name: 'San Francisco Union Square', region: 'US-WEST' },
  { code: 'LAX01', name: 'Los Angeles Abbot Kinney', region: 'US-WEST' },
  { code: 'SEA01', name: 'Seattle Pike Place', region: 'US-WEST' },
  { code: 'PDX01', name: 'Portland Pearl District', region: 'US-WEST' },
  { code: 'DEN01', name: 'Denver Larimer Square', region: 'US-WEST' },
  { code: 'BER01', name: 'Berlin Mitte', region: 'EU-CENTRAL' },
  { code: 'MUC01', name: 'Munich Maximilianstrasse', region: 'EU-CENTRAL' },
  { code: 'VIE01', name: 'Vienna Mariahilfer Strasse', region: 'EU-CENTRAL' },
  { code: 'ZRH01', name: 'Zurich Bahnhofstrasse', region: 'EU-CENTRAL' },
  { code: 'PAR01', name: 'Paris Le Marais', region: 'EU-WEST' },
  { code: 'AMS01', name: 'Amsterdam Negen Straatjes', region: 'EU-WEST' },
  { code: 'BRU01', name: 'Brussels Louise', region: 'EU-WEST' },
  { code: 'MAD01', name: 'Madrid Salamanca', region: 'EU-WEST' },
];
const WAREHOUSES: Site[] = [
  { code: 'WH-NJ', name: 'Secaucus Warehouse', region: 'US-EAST' },
  { code: 'WH-CA', name: 'Ontario CA Warehouse', region: 'US-WEST' },
  { code: 'WH-TX', name: 'Dallas Warehouse', region: 'US-WEST' },
  { code: 'WH-DE', name: 'Leipzig Warehouse', region: 'EU-CENTRAL' },
  { code: 'WH-NL', name: 'Venlo Warehouse', region: 'EU-WEST' },
];
const DISTRIBUTION_CENTERS: Site[] = [
  { code: 'DC-US', name: 'Memphis Distribution Centre', region: 'US-EAST' },
  { code: 'DC-EU', name: 'Rotterdam Distribution Centre', region: 'EU-WEST' },
];

const currencyOf = (region: Region) => (region.startsWith('US') ? 'USD' : 'EUR') as 'USD' | 'EUR';
const idOf = (code: string) => `loc_${code.toLowerCase().replace('-', '_')}`;

export function generateLocations(): SeedLocation[] {
  return [
    ...STORES.map((site) => ({ ...site, id: idOf(site.code), type: 'STORE' as const, currency: currencyOf(site.region) })),
    ...WAREHOUSES.map((site) => ({ ...site, id: idOf(site.code), type: 'WAREHOUSE' as const, currency: currencyOf(site.region) })),
    ...DISTRIBUTION_CENTERS.map((site) => ({ ...site, id: idOf(site.code), type: 'DISTRIBUTION_CENTER' as const, currency: currencyOf(site.region) })),
  ];
}
