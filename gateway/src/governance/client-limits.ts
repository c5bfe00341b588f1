import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract, type RateLimiterStoreAbstract } from 'rate-limiter-flexible';
import type { GraphQLError } from 'graphql';
import type { Logger } from '@mesh/server-kit';
import type { GovernanceConfig } from './governance-config.js';
import { refusal } from './refusals.js';

// Why: limits are per client (its token subject or address), so one client's flood spends only
// its own share. One replica counts in memory; replicas behind one balancer must share counts
// or a client gets N times its limit, so with REDIS_URL they count in Redis. If Redis goes away
// each replica falls back to counting alone (rate-limiter-flexible's insurance limiter) rather
// than refusing everyone or letting everyone through.

/** What the client's cost budget looks like after an operation was charged. */
export interface BudgetCharge {
  readonly refusal?: GraphQLError;
  /** Points left in the window (undefined when budgets are off). */
  readonly remaining?: number;
}

export interface ClientLimits {
  /** Counts one request for `key`; the RATE_LIMITED refusal when the client is over its limit. */
  admitRequest(key: string): Promise<GraphQLError | undefined>;
  /** Charges an operation's estimated cost to `key`'s budget; a refused charge is given back. */
  chargeCost(key: string, cost: number): Promise<BudgetCharge>;
  /** Waits for the shared store (if any) so the first requests already count together. */
  ready(): Promise<void>;
  close(): Promise<void>;
}

export function createClientLimits(config: GovernanceConfig, logger: Logger): ClientLimits {
  const redis = config.redisUrl ? new Redis(config.redisUrl, { enableOfflineQueue: false, lazyConnect: true, maxRetriesPerRequest: 1 }) : undefined;
  redis?.on('error', (error: Error) => logger.warn({ err: error }, 'rate-limit store unavailable; counting per replica until it is back'));
  const limiter = (name: string, points: number, duration: number): RateLimiterAbstract | RateLimiterStoreAbstract | undefined => {
    if (points <= 0) return undefined;
    const keyPrefix = `mesh-gateway:${name}`;
    if (!redis) return new RateLimiterMemory({ keyPrefix, points, duration });
    return new RateLimiterRedis({
      storeClient: redis,
      keyPrefix,
      points,
      duration,
      rejectIfRedisNotReady: true,
      insuranceLimiter: new RateLimiterMemory({ keyPrefix, points, duration }),
    });
  };
  const requests = limiter('requests', config.requestsPerWindow, config.requestWindowSeconds);
  const budget = limiter('cost', config.costBudgetPerWindow, config.costBudgetWindowSeconds);

  return {
    async admitRequest(key) {
      if (!requests) return undefined;
      try {
        await requests.consume(key);
        return undefined;
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
        return refusal('RATE_LIMITED', `More than ${config.requestsPerWindow} requests in ${config.requestWindowSeconds} s from this client; retry later`, {
          retryAfterMs: rejection.msBeforeNext,
        });
      }
    },
    async chargeCost(key, cost) {
      if (!budget) return {};
      const points = Math.ceil(cost);
      if (points <= 0) return {};
      try {
        const charged = await budget.consume(key, points);
        return { remaining: charged.remainingPoints };
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
        // A refused operation changes nothing: its points go back, and the budget left is what it was.
        const after = await budget.reward(key, points);
        return {
          refusal: refusal(
            'COST_BUDGET_EXCEEDED',
            `This operation costs ${points} and the client has ${after.remainingPoints} of ${config.costBudgetPerWindow} left in this ${config.costBudgetWindowSeconds} s window`,
            {
              retryAfterMs: rejection.msBeforeNext,
              extensions: { cost: { estimated: points, budgetRemaining: after.remainingPoints } },
            },
          ),
        };
      }
    },
    async ready() {
      if (!redis) return;
      try {
        await redis.connect();
      } catch (error) {
        logger.warn({ err: error }, 'rate-limit store not reachable at start; counting per replica until it is');
      }
    },
    async close() {
      redis?.disconnect();
    },
  };
}
