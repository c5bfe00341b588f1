/** The workflow latency target of scenario 7 (issue 10: placed -> ledger, movement -> push), in ms. */
export const TARGET_MS = 100;
