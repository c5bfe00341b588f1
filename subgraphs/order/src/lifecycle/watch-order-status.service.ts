import { InvalidCursorError, openLiveUpdates, type LiveFeed } from '@mesh/events';
import { badUserInput, can, identifier, meshError, notFound, type Principal } from '@mesh/server-kit';
import type { OrderLoaders } from '../loaders.js';
import type { OrderModels } from '../models/index.js';
import type { OrderRecord } from '../models/order.model.js';
import { assertMayReadOrdersOf, requireSignedIn } from '../access.js';
import type { OrderStatusUpdateView } from './order-status-update.js';

export interface WatchOrderStatusArgs {
  readonly orderId?: string | null;
  readonly customerId?: string | null;
  readonly locationId?: string | null;
  readonly after?: string | null;
  readonly snapshot?: boolean | null;
}

/** Transitions held for a reader that falls behind before it is ended with SLOW_CONSUMER. */
export const MAX_PENDING_TRANSITIONS = 500;
/** Most orders a snapshot lists (the most recently placed). */
const SNAPSHOT_ORDERS = 50;

/**
 * Opens the status transitions of the orders matching the filters, for a caller allowed to see
 * them (see the SDL for the contract). Throws UNAUTHENTICATED for anonymous callers, FORBIDDEN
 * for a customer watching someone else's customer id or order, NOT_FOUND for an unknown order id,
 * BAD_USER_INPUT without a filter or for a cursor this service never issued.
 */
export async function watchOrderStatus(
  feed: LiveFeed,
  models: OrderModels,
  loaders: OrderLoaders,
  principal: Principal,
  args: WatchOrderStatusArgs,
): Promise<AsyncIterableIterator<OrderStatusUpdateView | Error>> {
  requireSignedIn(principal);
  const orderId = args.orderId ? identifier(args.orderId, 'orderId') : undefined;
  const customerId = args.customerId ? identifier(args.customerId, 'customerId') : undefined;
  const locationId = args.locationId ? identifier(args.locationId, 'locationId') : undefined;
  if (!orderId && !customerId && !locationId) throw badUserInput('Give at least one of orderId, customerId or locationId', { argument: 'orderId' });
  if (customerId) await assertMayReadOrdersOf(principal, customerId, loaders);
  if (orderId) {
    const order = await loaders.orderById.load(orderId);
    if (!order) throw notFound(`No order ${orderId}`, { argument: 'orderId' });
    await assertMayReadOrdersOf(principal, order.customerId, loaders);
  }
  const readAny = can(principal, 'orders:read-any');
  const matches = (order: Pick<OrderRecord, '_id' | 'customerId' | 'fulfillment'>) =>
    (!orderId || order._id === orderId) && (!customerId || order.customerId === customerId) && (!locationId || order.fulfillment.locationId === locationId);
  // A customer only ever receives orders they may read, whatever the filters say: checked per event.
  const mayRead = async (order: Pick<OrderRecord, 'customerId'>) =>
    readAny ||
    (await assertMayReadOrdersOf(principal, order.customerId, loaders).then(
      () => true,
      () => false,
    ));
  const query = {
    ...(orderId ? { _id: orderId } : {}),
    ...(customerId ? { customerId } : {}),
    ...(locationId ? { 'fulfillment.locationId': locationId } : {}),
  };
  try {
    return await openLiveUpdates<'order.order-status-changed', OrderStatusUpdateView>({
      feed,
      topic: 'order.order-status-changed',
      after: args.after ?? null,
      snapshot: args.snapshot ?? false,
      readSnapshot: async (cursor) => {
        const orders = await models.orders
          .find(query, { _id: 1, customerId: 1, status: 1, statusHistory: 1 })
          .sort({ placedAt: -1, _id: -1 })
          .limit(SNAPSHOT_ORDERS)
          .lean<OrderRecord[]>();
        const readable = await Promise.all(orders.map(mayRead));
        return orders
          .filter((_, index) => readable[index])
          .map((order) => {
            const last = order.statusHistory.at(-1);
            return {
              cursor,
              kind: 'SNAPSHOT',
              orderId: order._id,
              status: order.status,
              previousStatus: null,
              reason: last?.reason ?? null,
              at: last?.at ?? new Date(),
            };
          });
      },
      toUpdate: async ({ cursor, envelope: { data, occurredAt } }) => {
        if (orderId && data.orderId !== orderId) return undefined;
        const order = await models.orders.findById(data.orderId, { _id: 1, customerId: 1, fulfillment: 1 }).lean<OrderRecord>();
        if (!order || !matches(order) || !(await mayRead(order))) return undefined;
        return {
          cursor,
          kind: 'CHANGE',
          orderId: data.orderId,
          status: data.to,
          previousStatus: data.from,
          reason: data.reason ?? null,
          at: new Date(occurredAt),
        };
      },
      retentionExceeded: (cursor) => ({ cursor, kind: 'RETENTION_EXCEEDED', orderId: null, status: null, previousStatus: null, reason: null, at: new Date() }),
      policy: {
        kind: 'bounded',
        max: MAX_PENDING_TRANSITIONS,
        overflow: () =>
          meshError(
            'SLOW_CONSUMER',
            `More than ${MAX_PENDING_TRANSITIONS} order transitions waited for this subscriber; resubscribe with the cursor of the last update received (nothing is lost)`,
          ),
      },
      failed: () => meshError('UNAVAILABLE', 'The live order feed failed; resubscribe with the cursor of the last update received'),
    });
  } catch (error) {
    if (error instanceof InvalidCursorError) throw badUserInput(error.message, { argument: 'after' });
    throw error;
  }
}
