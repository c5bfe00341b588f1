import { type SeededRandom, pad } from './random.js';
import type { SeedProduct, SeedVariant } from './types.js';

const CATEGORIES = [
  { category: 'Apparel', kinds: ['Crew Tee', 'Oxford Shirt', 'Hoodie', 'Chino', 'Denim Jacket'], axis: 'size', values: ['XS', 'S', 'M', 'L', 'XL'] },
  { category: 'Footwear', kinds: ['Runner', 'Chelsea Boot', 'Court Sneaker', 'Loafer'], axis: 'size', values: ['38', '40', '42', '44', '46'] },
  {
    category: 'Home',
    kinds: ['Stoneware Mug', 'Linen Throw', 'Soy Candle', 'Oak Tray'],
    axis: 'finish',
    values: ['Natural', 'Charcoal', 'Sand', 'Sage', 'Clay'],
  },
  { category: 'Beauty', kinds: ['Face Serum', 'Hand Cream', 'Body Wash'], axis: 'volume', values: ['30ml', '50ml', '100ml', '200ml', '500ml'] },
  {
    category: 'Accessories',
    kinds: ['Leather Belt', 'Wool Scarf', 'Canvas Tote', 'Beanie'],
    axis: 'colour',
    values: ['Black', 'Navy', 'Tan', 'Olive', 'Grey'],
  },
] as const;
const BRANDS = ['Northwind', 'Harbor & Pine', 'Atelier Nord', 'Fieldhouse', 'Lumen', 'Oakridge'] as const;
const ADJECTIVES = ['Classic', 'Everyday', 'Heritage', 'Coastal', 'Urban', 'Alpine', 'Studio', 'Weekend'] as const;

export const PRODUCT_COUNT = 200;
export const VARIANTS_PER_PRODUCT = 5;
/** EUR prices are set from USD at this rate, then rounded to a retail price point. */
const EUR_PER_USD = 0.92;

export function generateCatalog(random: SeededRandom, epoch: Date): { products: SeedProduct[]; variants: SeedVariant[] } {
  const products: SeedProduct[] = [];
  const variants: SeedVariant[] = [];
  for (let index = 1; index <= PRODUCT_COUNT; index++) {
    const family = random.pick(CATEGORIES);
    const kind = random.pick(family.kinds);
    const brand = random.pick(BRANDS);
    const id = `prod_${pad(index, 4)}`;
    const name = `${random.pick(ADJECTIVES)} ${kind}`;
    products.push({
      id,
      name,
      brand,
      category: family.category,
      description: `${brand} ${name.toLowerCase()}, part of the ${family.category.toLowerCase()} range.`,
      createdAt: new Date(epoch.getTime() - random.int(400, 900) * 86_400_000),
    });
    const basePriceUsd = random.int(9, 199) * 100 + 99;
    family.values.forEach((value, variantIndex) => {
      const priceUsd = basePriceUsd + variantIndex * (family.axis === 'volume' ? 500 : 0);
      const priceEur = Math.round((priceUsd * EUR_PER_USD) / 100) * 100 - 5;
      variants.push({
        sku: `SKU-${pad(index, 4)}-${pad(variantIndex + 1, 2)}`,
        productId: id,
        name: `${name} / ${value}`,
        attributes: [{ name: family.axis, value }],
        prices: [
          { currency: 'USD', amountMinor: priceUsd },
          { currency: 'EUR', amountMinor: priceEur },
        ],
        unitCosts: [
          { currency: 'USD', amountMinor: Math.round(priceUsd * 0.45) },
          { currency: 'EUR', amountMinor: Math.round(priceEur * 0.45) },
        ],
      });
    });
  }
  return { products, variants };
}
