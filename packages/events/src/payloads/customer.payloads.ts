export interface CustomersMerged {
  /** The golden record that remains. */
  readonly survivorId: string;
  /** The record merged away; it keeps resolving to the survivor. */
  readonly mergedId: string;
  /** Identity kinds moved from the merged record to the survivor (for example LOYALTY_CARD). */
  readonly movedIdentityKinds: readonly string[];
}
