// Why: scenario 6's load is stock movements through the gateway; each one's send time and the
// on-hand it left (which every availability update of it carries) pair it with its deliveries.

const RECORD_RECEIPT = /* GraphQL */ `
  mutation BenchReceipt($input: RecordStockMovementInput!) {
    recordStockMovement(input: $input) {
      __typename
      ... on StockMovementRecorded {
        level {
          onHand
          available
        }
      }
    }
  }
`;

export interface SentMovement {
  /** Date.now() just before the request was written. */
  readonly sentAt: number;
  /** The on-hand right after this movement: the key of its availability updates. */
  readonly onHand: number;
  readonly answeredMs: number;
}

export interface MovementTarget {
  readonly gatewayUrl: string;
  readonly token: string;
  readonly sku: string;
  readonly locationId: string;
  /** Unique per run: idempotency keys are `${run}-${sequence}`. */
  readonly run: string;
}

/** Records a RECEIPT of one unit of `sku` (the target's by default); throws on any GraphQL error or other outcome. */
export async function sendReceipt(target: MovementTarget, sequence: number, sku = target.sku): Promise<SentMovement> {
  const body = JSON.stringify({
    query: RECORD_RECEIPT,
    variables: {
      input: { sku, locationId: target.locationId, type: 'RECEIPT', quantity: 1, idempotencyKey: `${target.run}-${sequence}`, reason: 'bench fan-out' },
    },
  });
  const sentAt = Date.now();
  const response = await fetch(target.gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${target.token}` },
    body,
  });
  const answer = (await response.json()) as {
    data?: { recordStockMovement: { __typename: string; level?: { onHand: number } } };
    errors?: unknown[];
  };
  const answeredMs = Date.now() - sentAt;
  const result = answer.data?.recordStockMovement;
  if (answer.errors?.length || result?.__typename !== 'StockMovementRecorded' || !result.level) {
    throw new Error(`recordStockMovement failed (HTTP ${response.status}): ${JSON.stringify(answer).slice(0, 500)}`);
  }
  return { sentAt, onHand: result.level.onHand, answeredMs };
}

/** One movement per `intervalMs`, on a fixed schedule (a slow answer does not shift the next). */
export async function sendSteady(target: MovementTarget, firstSequence: number, count: number, intervalMs: number): Promise<SentMovement[]> {
  const started = Date.now();
  const sent: SentMovement[] = [];
  for (let index = 0; index < count; index++) {
    const due = started + index * intervalMs;
    if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
    sent.push(await sendReceipt(target, firstSequence + index));
  }
  return sent;
}

/** `count` movements as fast as the gateway takes them, `inFlight` requests at a time. */
export async function sendBurst(target: MovementTarget, firstSequence: number, count: number, inFlight: number): Promise<SentMovement[]> {
  const sent: SentMovement[] = [];
  let next = 0;
  const lane = async () => {
    while (next < count) sent.push(await sendReceipt(target, firstSequence + next++));
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, lane));
  return sent;
}

/** A movement of one of several SKUs: `group` is the SKU's index in the list it was sent from. */
export interface SpreadMovement extends SentMovement {
  readonly group: number;
}

/**
 * `count` movements over `skus` in turn (movement i on skus[i % length]), `perSecond` on a fixed
 * schedule with at most `inFlight` requests at a time (a movement whose lane is still busy goes late).
 */
export async function sendSpread(
  target: MovementTarget,
  firstSequence: number,
  skus: readonly string[],
  count: number,
  perSecond: number,
  inFlight: number,
): Promise<SpreadMovement[]> {
  const started = Date.now();
  const sent: SpreadMovement[] = [];
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const index = next++;
      const due = started + (index * 1000) / perSecond;
      if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
      const group = index % skus.length;
      sent.push({ ...(await sendReceipt(target, firstSequence + index, skus[group])), group });
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, lane));
  return sent;
}
