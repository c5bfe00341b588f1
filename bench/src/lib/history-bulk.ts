/**
 * Grows the order history straight in the databases, for the history sweep: each new order is a
 * copy of an order the workflows really completed, with every document that order left behind in
 * every domain (the order, its reservation and stock movements, its journal entries, each
 * consumer's processed-event record, each relay's event-log entry) copied with it under new ids.
 * So every document is one the workflows wrote, only more of them; the ledger's account balances
 * are moved by the copied lines (one $inc per account), so the books still balance.
 */
import { randomUUID } from 'node:crypto';
import { Long, MongoBulkWriteError, type Db, type Document, type MongoClient } from 'mongodb';

/** The collections of each domain database where an order leaves documents, found by correlation id. */
const TRAIL: Readonly<Record<string, readonly string[]>> = {
  mesh_order: ['orders', 'processed_events', 'event_log'],
  mesh_inventory: ['reservations', 'stock_movements', 'processed_events', 'event_log'],
  mesh_ledger: ['journal_entries', 'processed_events', 'event_log'],
};
const FINAL = ['COMPLETED', 'CANCELLED', 'REJECTED'];

/** Every string that names the template order is rewritten to name the copy. */
function rewrite(value: unknown, replacements: ReadonlyMap<string, string>): unknown {
  if (typeof value === 'string') {
    let result = value;
    for (const [from, to] of replacements) if (result.includes(from)) result = result.split(from).join(to);
    return result;
  }
  if (Array.isArray(value)) return value.map((entry) => rewrite(entry, replacements));
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, rewrite(entry, replacements)]));
  }
  return value; // dates, Long, Decimal128, ObjectId: kept
}

interface Template {
  readonly order: Document;
  readonly trail: ReadonlyMap<string, readonly Document[]>; // `db.collection` -> documents
}

async function templates(client: MongoClient, count: number): Promise<Template[]> {
  const orders = await client
    .db('mesh_order')
    .collection('orders')
    .find({ status: { $in: FINAL }, channel: 'WEB', returns: { $in: [null, []] }, refunds: { $in: [null, []] } }, { promoteLongs: false })
    .limit(count)
    .toArray();
  if (orders.length === 0) throw new Error('history bulk load: no finished web order to copy');
  return Promise.all(
    orders.map(async (order) => {
      const trail = new Map<string, Document[]>();
      for (const [dbName, collections] of Object.entries(TRAIL)) {
        for (const name of collections) {
          if (dbName === 'mesh_order' && name === 'orders') continue;
          const found = await client.db(dbName).collection(name).find({ correlationId: order['correlationId'] }, { promoteLongs: false }).toArray();
          trail.set(`${dbName}.${name}`, found);
        }
      }
      return { order, trail };
    }),
  );
}

/** Adds `count` orders (with their trails) and answers how many documents were written. */
export async function growHistory(client: MongoClient, count: number, batch = 500): Promise<{ orders: number; documents: number }> {
  const sources = await templates(client, 50);
  const balances = new Map<string, { debit: bigint; credit: bigint }>();
  let documents = 0;
  for (let start = 0; start < count; start += batch) {
    const pending = new Map<string, Document[]>();
    const add = (namespace: string, document: Document) => pending.set(namespace, [...(pending.get(namespace) ?? []), document]);
    for (let index = start; index < Math.min(count, start + batch); index++) {
      const template = sources[index % sources.length]!;
      const id = `ord_${randomUUID()}`;
      const replacements = new Map<string, string>([
        [String(template.order['_id']), id],
        [String(template.order['correlationId']), `req_${randomUUID()}`],
        [String(template.order['number']), `H-${id.slice(4, 16).toUpperCase()}`],
        [String(template.order['idempotencyKey']), `history-${randomUUID()}`],
      ]);
      add('mesh_order.orders', rewrite(template.order, replacements) as Document);
      for (const [namespace, trail] of template.trail) {
        for (const document of trail) {
          const copy = rewrite(document, replacements) as Document;
          // A document whose id does not name the order (an envelope id, a movement id) gets its own.
          if (copy['_id'] === document['_id'])
            copy['_id'] = typeof document['_id'] === 'string' ? `${String(document['_id'])}~${randomUUID().slice(0, 8)}` : randomUUID();
          if (namespace === 'mesh_ledger.journal_entries') countLines(copy, balances);
          add(namespace, copy);
        }
      }
    }
    for (const [namespace, copies] of pending) {
      const [dbName, name] = namespace.split('.') as [string, string];
      try {
        documents += (await client.db(dbName).collection(name).insertMany(copies, { ordered: false })).insertedCount;
      } catch (error) {
        // A copy whose other unique key still named its template: skipped, the rest are in.
        if (!(error instanceof MongoBulkWriteError) || [error.writeErrors].flat().some((entry) => entry.code !== 11000)) throw error;
        documents += error.insertedCount;
      }
    }
  }
  await applyBalances(client.db('mesh_ledger'), balances);
  return { orders: count, documents };
}

function countLines(entry: Document, balances: Map<string, { debit: bigint; credit: bigint }>): void {
  for (const line of (entry['lines'] as { accountCode: string; debitMinor: Long | number; creditMinor: Long | number }[]) ?? []) {
    const key = `${line.accountCode}|${String(entry['currency'])}`;
    const total = balances.get(key) ?? { debit: 0n, credit: 0n };
    total.debit += BigInt(line.debitMinor.toString());
    total.credit += BigInt(line.creditMinor.toString());
    balances.set(key, total);
  }
}

async function applyBalances(ledger: Db, balances: ReadonlyMap<string, { debit: bigint; credit: bigint }>): Promise<void> {
  for (const [id, total] of balances) {
    const [accountCode, currency] = id.split('|');
    await ledger.collection<{ _id: string }>('account_balances').updateOne(
      { _id: id },
      {
        $inc: { debitMinor: Long.fromBigInt(total.debit), creditMinor: Long.fromBigInt(total.credit) },
        $setOnInsert: { accountCode, currency, pendingEntryIds: [], recentEntryIds: [] },
      },
      { upsert: true },
    );
  }
}

/** Orders stored now. */
export async function countOrders(client: MongoClient): Promise<number> {
  return client.db('mesh_order').collection('orders').estimatedDocumentCount();
}
