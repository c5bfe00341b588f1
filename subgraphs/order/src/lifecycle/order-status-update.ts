import type { OrderStatus } from '../__generated__/schema-types.js';

// The OrderStatusUpdate mapper of codegen.yml.

/** One update of `Subscription.orderStatusChanged` (the GraphQL OrderStatusUpdate). */
export interface OrderStatusUpdateView {
  readonly cursor: string;
  readonly kind: 'SNAPSHOT' | 'CHANGE' | 'RETENTION_EXCEEDED';
  readonly orderId: string | null;
  readonly status: OrderStatus | null;
  readonly previousStatus: OrderStatus | null;
  readonly reason: string | null;
  readonly at: Date;
}
