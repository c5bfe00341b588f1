import type { Principal } from '@mesh/server-kit';
import type { GraphQLResponse, TestSubgraph } from '@mesh/test-kit';
import { dbCommands as countDbCommands } from '@mesh/test-kit';

/** Test helpers shared by the inventory suites (not a test file itself). */

export const RECORD_MOVEMENT = `
  mutation Record($input: RecordStockMovementInput!) {
    recordStockMovement(input: $input) {
      __typename
      ... on StockMovementRecorded {
        replayed
        movement { id sku type quantityDelta idempotencyKey correlationId reason recordedBy occurredAt location { id } }
        level { sku onHand reserved safetyStock available location { id } }
      }
      ... on InsufficientStock { sku locationId requested available }
    }
  }`;

export interface RecordedResult {
  __typename: 'StockMovementRecorded' | 'InsufficientStock';
  replayed?: boolean;
  movement?: {
    id: string;
    sku: string;
    type: string;
    quantityDelta: number;
    idempotencyKey: string;
    correlationId: string;
    reason: string | null;
    recordedBy: string | null;
    occurredAt: string;
    location: { id: string };
  };
  level?: { sku: string; onHand: number; reserved: number; safetyStock: number; available: number };
  requested?: number;
  available?: number;
}

export interface MovementInput {
  sku: string;
  locationId: string;
  type: 'RECEIPT' | 'ADJUSTMENT_IN' | 'ADJUSTMENT_OUT' | 'DAMAGE' | 'CYCLE_COUNT';
  quantity: number;
  idempotencyKey: string;
  reason?: string;
}

export function record(subgraph: TestSubgraph, input: MovementInput, principal: Principal): Promise<GraphQLResponse<{ recordStockMovement: RecordedResult }>> {
  return subgraph.request<{ recordStockMovement: RecordedResult }>(RECORD_MOVEMENT, { input }, principal);
}

/** The stored level of one (SKU, location), read straight from the database. */
export interface StoredLevel {
  onHand: number;
  reserved: number;
  safetyStock: number;
  free: number;
  atp: number;
}

export async function storedLevel(subgraph: TestSubgraph, sku: string, locationId: string): Promise<StoredLevel> {
  const level = await subgraph.connection
    .collection('stock_levels')
    .findOne({ sku, locationId }, { projection: { _id: 0, onHand: 1, reserved: 1, safetyStock: 1, free: 1, atp: 1 } });
  if (!level) throw new Error(`no level for ${sku} at ${locationId}`);
  return level as unknown as StoredLevel;
}

/** Sets a level's quantities directly (a fixture), keeping free and atp consistent. */
export async function setLevel(
  subgraph: TestSubgraph,
  sku: string,
  locationId: string,
  quantities: { onHand: number; reserved: number; safetyStock: number },
): Promise<void> {
  const { onHand, reserved, safetyStock } = quantities;
  await subgraph.connection
    .collection('stock_levels')
    .updateOne({ sku, locationId }, { $set: { onHand, reserved, safetyStock, free: onHand - reserved, atp: onHand - reserved - safetyStock } });
}

export function movementCount(subgraph: TestSubgraph): Promise<number> {
  return subgraph.connection.collection('stock_movements').countDocuments();
}

/** Every database command, getMore included: these tests read levels with large batches and count all of it. */
export const dbCommands = (subgraph: TestSubgraph): Promise<number> => countDbCommands(subgraph, { includeGetMore: true });

export const errorCode = (response: GraphQLResponse<unknown>): unknown => response.errors?.[0]?.extensions?.['code'];
