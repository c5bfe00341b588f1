import assert from 'node:assert/strict';
import { readSubgraphConfig, type SubgraphConfig } from '@mesh/server-kit';
import type { SubgraphName } from '@mesh/mesh-runner';
import { readInventorySettings, type InventorySettings } from '@mesh/inventory-subgraph';
import { readOrderSettings, type OrderSettings } from '@mesh/order-subgraph';
import { readIntegrationSettings, type IntegrationSettings } from '@mesh/integration-subgraph';
import { readLedgerSettings, type LedgerSettings } from '@mesh/ledger-subgraph';
import { OTEL_SDK_VARIABLES, readTelemetrySettings } from '@mesh/telemetry';
import { DEFAULT_SUPERGRAPH_PATH, readGatewayConfig } from '../src/module.js';

// Shared by the deployment files' tests (docker-compose, Kubernetes): a service's environment
// is checked by the service's own config readers, not by a list kept beside them.

/** Read by something other than the config readers: the image's entry point, the logger, the OpenTelemetry SDK. */
const READ_ELSEWHERE = new Set(['SERVICE', 'LOG_LEVEL', ...OTEL_SDK_VARIABLES]);

/** Runs a config reader over an environment and returns the variable names it looked at. */
function namesRead<T>(environment: Readonly<Record<string, string>>, read: (env: Record<string, string | undefined>) => T): { result: T; names: Set<string> } {
  const names = new Set<string>();
  const env = new Proxy(
    { ...environment },
    {
      get(target, key) {
        if (typeof key === 'string') names.add(key);
        return Reflect.get(target, key);
      },
    },
  );
  return { result: read(env), names };
}

function assertAllRead(service: string, environment: Readonly<Record<string, string>>, names: ReadonlySet<string>): void {
  for (const key of Object.keys(environment)) if (!READ_ELSEWHERE.has(key)) assert.ok(names.has(key), `${service} sets ${key}, which nothing reads`);
}

export interface SubgraphEnvironment {
  readonly config: SubgraphConfig;
  /** The order domain's own settings (order only). */
  readonly order?: OrderSettings;
  /** Inventory's own settings (inventory only). */
  readonly inventory?: InventorySettings;
  /** The integration domain's own settings (integration only). */
  readonly integration?: IntegrationSettings;
  /** The ledger's own settings (ledger only). */
  readonly ledger?: LedgerSettings;
}

/**
 * Reads a subgraph's environment with the kit's reader and the domain's own, and fails when it
 * sets a variable none of them reads (a typo, or a setting that no longer exists).
 */
export function readSubgraphEnvironment(name: SubgraphName, environment: Readonly<Record<string, string>>): SubgraphEnvironment {
  const kit = namesRead(environment, (env) => readSubgraphConfig(name, 0, env));
  const names = new Set(kit.names);
  /** Reads with `read` and counts the variables it read as known. */
  const readOwn = <T>(read: (env: Record<string, string | undefined>) => T): T => {
    const done = namesRead(environment, read);
    done.names.forEach((key) => names.add(key));
    return done.result;
  };
  readOwn((env) => readTelemetrySettings(env));
  const order = name === 'order' ? readOwn((env) => readOrderSettings(env)) : undefined;
  const inventory = name === 'inventory' ? readOwn((env) => readInventorySettings(env)) : undefined;
  const integration = name === 'integration' ? readOwn((env) => readIntegrationSettings(env)) : undefined;
  const ledger = name === 'ledger' ? readOwn((env) => readLedgerSettings(env)) : undefined;
  assertAllRead(name, environment, names);
  return {
    config: kit.result,
    ...(order ? { order } : {}),
    ...(inventory ? { inventory } : {}),
    ...(ledger ? { ledger } : {}),
    ...(integration ? { integration } : {}),
  };
}

/** Reads the gateway's environment with its own reader; fails on a variable it does not read. */
export function readGatewayEnvironment(environment: Readonly<Record<string, string>>): ReturnType<typeof readGatewayConfig> {
  const { result, names } = namesRead(environment, (env) => readGatewayConfig(env, DEFAULT_SUPERGRAPH_PATH));
  namesRead(environment, (env) => readTelemetrySettings(env)).names.forEach((key) => names.add(key));
  assertAllRead('gateway', environment, names);
  return result;
}
