/**
 * A retail workload on the database alone, shaped as the subgraphs use it (the same collections'
 * shapes, indexes and queries, without the services): for comparing the embedded server's storage
 * choices on identical data (bench/src/embedded-backends.ts).
 */
import { Decimal128, ObjectId, type Db, type Document } from 'mongodb';

export const PRODUCTS = 320;
const VARIANTS_PER_PRODUCT = 5;
const SKUS = PRODUCTS * VARIANTS_PER_PRODUCT;
const LOCATIONS = 25;
const SEEDED_ORDERS = 5_000;
const BATCH = 1_000;

const pad = (value: number, width: number) => String(value).padStart(width, '0');
const skuId = (index: number) => `sku-${pad(index, 5)}`;
const locationId = (index: number) => `loc-${pad(index, 2)}`;
/** Stock levels have ObjectId _ids in the inventory model; these are fixed so that every server holds the same. */
const levelId = (sku: number, location: number) => ObjectId.createFromHexString(pad(sku * LOCATIONS + location, 24));
const LOCATION_IDS = Array.from({ length: LOCATIONS }, (_, index) => locationId(index));
const DESCRIPTION = 'A sturdy everyday item, tested in our stores and loved by customers. '.repeat(4);

/** Where the write mix continues: order numbers and change ids never repeat within one server. */
export interface WriteCursor {
  next: number;
}

async function insertInBatches(db: Db, name: string, count: number, make: (index: number) => Document): Promise<void> {
  for (let start = 0; start < count; start += BATCH) {
    const documents = Array.from({ length: Math.min(BATCH, count - start) }, (_, offset) => make(start + offset));
    await db.collection(name).insertMany(documents, { ordered: false });
  }
}

function order(index: number): Document {
  const lines = Array.from({ length: 3 }, (_, line) => ({
    lineNumber: line + 1,
    sku: skuId((index * 13 + line) % SKUS),
    quantity: 1 + (line % 2),
    unitPrice: Decimal128.fromString('19.99'),
  }));
  return {
    _id: `ord-${pad(index, 7)}`,
    number: `N-${pad(index, 7)}`,
    customerId: `cus-${pad(index % 400, 4)}`,
    status: 'PLACED',
    channel: 'web',
    lines,
    total: Decimal128.fromString('59.97'),
    currency: 'USD',
    placedAt: new Date(Date.UTC(2026, 0, 1) + index * 60_000),
    pendingEvents: index >= SEEDED_ORDERS ? [{ id: `evt-${index}`, topic: 'order.placed' }] : [],
  };
}

/** Creates the collections with their indexes and fills them; answers where the write mix starts. */
export async function seedRetailData(db: Db): Promise<WriteCursor> {
  await db.collection('products').createIndex({ categoryIds: 1 });
  await db.collection('variants').createIndex({ productId: 1 });
  await db
    .collection('levels')
    .createIndexes([{ key: { sku: 1, locationId: 1 }, unique: true }, { key: { locationId: 1 } }, { key: { 'changes.id': 1 }, sparse: true }]);
  await db
    .collection('orders')
    .createIndexes([{ key: { number: 1 }, unique: true }, { key: { customerId: 1, placedAt: -1 } }, { key: { 'pendingEvents.id': 1 }, sparse: true }]);
  await insertInBatches(db, 'products', PRODUCTS, (index) => ({
    _id: `prd-${pad(index, 4)}`,
    name: `Product ${index}`,
    description: DESCRIPTION,
    brand: `brand-${index % 12}`,
    categoryIds: [`cat-${index % 9}`, `cat-${index % 5}`],
    createdAt: new Date(Date.UTC(2025, 0, 1)),
  }));
  await insertInBatches(db, 'variants', SKUS, (index) => ({
    _id: skuId(index),
    productId: `prd-${pad(Math.floor(index / VARIANTS_PER_PRODUCT), 4)}`,
    name: `Variant ${index}`,
    attributes: { size: ['S', 'M', 'L', 'XL', 'XXL'][index % 5], color: ['red', 'blue', 'black'][index % 3] },
    prices: [
      { currency: 'USD', amount: Decimal128.fromString(`${10 + (index % 90)}.99`) },
      { currency: 'EUR', amount: Decimal128.fromString(`${9 + (index % 90)}.49`) },
    ],
    barcode: `4006381${pad(index, 6)}`,
  }));
  await insertInBatches(db, 'levels', SKUS * LOCATIONS, (index) => {
    const sku = Math.floor(index / LOCATIONS);
    const location = index % LOCATIONS;
    return {
      _id: levelId(sku, location),
      sku: skuId(sku),
      locationId: locationId(location),
      available: 1_000_000,
      reserved: 0,
      version: 0,
      changes: [],
      updatedAt: new Date(Date.UTC(2026, 0, 1)),
    };
  });
  await insertInBatches(db, 'orders', SEEDED_ORDERS, order);
  return { next: SEEDED_ORDERS };
}

/** A product page's reads: the product, its variants, their stock at every location. */
export async function readProductPage(db: Db, product: number): Promise<void> {
  const productId = `prd-${pad(product, 4)}`;
  const skus = Array.from({ length: VARIANTS_PER_PRODUCT }, (_, variant) => skuId(product * VARIANTS_PER_PRODUCT + variant));
  const [found, variants, levels] = await Promise.all([
    db.collection('products').findOne({ _id: productId as never }),
    db.collection('variants').find({ productId }).toArray(),
    db
      .collection('levels')
      .find({ sku: { $in: skus }, locationId: { $in: LOCATION_IDS } }, { projection: { sku: 1, locationId: 1, available: 1 } })
      .toArray(),
  ]);
  if (!found || variants.length !== VARIANTS_PER_PRODUCT || levels.length !== VARIANTS_PER_PRODUCT * LOCATIONS) {
    throw new Error(`product page ${productId} read ${variants.length} variants and ${levels.length} levels`);
  }
}

/** An order's writes: reserve one unit (guarded $inc, change event pushed), insert the order, relay the change. */
export async function writeOrder(db: Db, cursor: WriteCursor): Promise<void> {
  const index = cursor.next++;
  const level = levelId((index * 7) % SKUS, index % LOCATIONS);
  const change = { id: `chg-${index}`, kind: 'reserved', at: new Date() };
  const reserved = await db.collection('levels').updateOne({ _id: level, available: { $gte: 1 } }, {
    $inc: { available: -1, reserved: 1, version: 1 },
    $push: { changes: change },
    $set: { updatedAt: change.at },
  } as Document);
  if (reserved.modifiedCount !== 1) throw new Error(`reservation on ${level.toHexString()} did not apply`);
  await db.collection('orders').insertOne(order(index));
  await db.collection('levels').updateOne({ _id: level }, { $pull: { changes: { id: change.id } } } as Document);
}
