import { consumerBacklogOf, latencyKpi, type LatencyKpiValue, type RequestContext } from '@mesh/server-kit';
import { STOCK_MOVEMENT_TO_AVAILABILITY } from './events/inventory-kpis.js';
import { createInventoryLoaders, type InventoryLoaders } from './loaders.js';
import type { LocationRecord, LocationType } from './models/location.model.js';
import type { InventoryRuntime } from './runtime.js';
import { listLocations } from './services/list-locations.service.js';
import { listMovements, type MovementPage } from './services/list-movements.service.js';
import { listStockExceptions, type StockExceptionView } from './services/list-stock-exceptions.service.js';
import { readAvailability, type AvailabilityView } from './services/read-availability.service.js';
import { readInventoryTraceSteps } from './services/read-trace-steps.service.js';
import { receiveTransfer, type ReceiveTransferOutcome } from './services/receive-transfer.service.js';
import { recordStockMovement, type RecordMovementInput, type RecordMovementOutcome } from './services/record-movement.service.js';
import { watchAvailability, type AvailabilityUpdateView, type WatchAvailabilityArgs } from './services/watch-availability.service.js';
import { transferStock, type TransferStockInput, type TransferStockOutcome } from './services/transfer-stock.service.js';

/** The inventory use cases, bound to this database and this caller. */
export interface InventoryServices {
  readonly listLocations: (args: { type?: LocationType | null; region?: string | null }) => Promise<LocationRecord[]>;
  readonly readAvailability: (
    skus: readonly string[],
    locationIds: readonly string[] | null | undefined,
    options: { requireKnown: boolean },
  ) => Promise<AvailabilityView[]>;
  readonly listMovements: (args: Parameters<typeof listMovements>[2]) => Promise<MovementPage>;
  readonly listStockExceptions: (args: Parameters<typeof listStockExceptions>[2]) => Promise<StockExceptionView[]>;
  readonly recordMovement: (input: RecordMovementInput) => Promise<RecordMovementOutcome>;
  readonly transferStock: (input: TransferStockInput) => Promise<TransferStockOutcome>;
  readonly receiveTransfer: (args: { transferId: string; idempotencyKey: string }) => Promise<ReceiveTransferOutcome>;
  readonly watchAvailability: (args: WatchAvailabilityArgs) => Promise<AsyncIterableIterator<AvailabilityUpdateView | Error>>;
}

/** What inventory resolvers receive: the caller, fresh loaders, and the use cases. */
export interface InventoryContext extends RequestContext {
  readonly loaders: InventoryLoaders;
  readonly inventory: InventoryServices;
  /** Inventory's steps of a workflow (Trace.inventorySteps). */
  readonly traceSteps: (correlationId: string) => ReturnType<typeof readInventoryTraceSteps>;
  /** Inventory's KPIs as this process's /metrics registry holds them (LiveKpis). */
  readonly liveKpis: {
    readonly stockMovementToAvailability: () => Promise<LatencyKpiValue>;
    readonly consumerBacklog: () => Promise<number>;
  };
}

export function createInventoryContext(base: RequestContext, { models, locations, liveFeed, registry }: InventoryRuntime): InventoryContext {
  const loaders = createInventoryLoaders(models, locations);
  return {
    ...base,
    loaders,
    traceSteps: (correlationId) => readInventoryTraceSteps(models, correlationId),
    liveKpis: {
      stockMovementToAvailability: () => latencyKpi(registry, STOCK_MOVEMENT_TO_AVAILABILITY),
      consumerBacklog: () => consumerBacklogOf(registry),
    },
    inventory: {
      listLocations: (args) => listLocations(models, args),
      readAvailability: (skus, locationIds, options) => readAvailability(loaders, skus, locationIds, options),
      listMovements: (args) => listMovements(models, base.principal, args),
      listStockExceptions: (args) => listStockExceptions(models, base.principal, args),
      recordMovement: (input) => recordStockMovement(models, base, input),
      transferStock: (input) => transferStock(models, base, input),
      receiveTransfer: (args) => receiveTransfer(models, base, args),
      watchAvailability: async (args) => watchAvailability(await liveFeed(), loaders, args),
    },
  };
}
