import type { SubgraphName } from '@mesh/mesh-runner';
import { GATEWAY_CREDENTIAL_HEADER } from '@mesh/server-kit';

/** What every peer gateway is started with: our supergraph, routed to the running mesh's subgraphs. */
export interface PeerStartOptions {
  /** A folder for this peer's config files and its log. */
  readonly workDir: string;
  /** Our composed supergraph, with each @join__graph url replaced by the mesh's subgraph URL. */
  readonly supergraphPath: string;
  readonly subgraphUrls: Readonly<Record<SubgraphName, string>>;
  /** The NODE_ENV our own gateway runs with, so Node peers run in the same mode. */
  readonly nodeEnv: string;
  readonly log: (line: string) => void;
}

/** A started peer: one process (the bench measures its whole process tree). */
export interface RunningPeer {
  /** Its /graphql URL. */
  readonly url: string;
  readonly pid: number;
  readonly version: string;
  /** How it was set up to use one worker, in words (for the report). */
  readonly workers: string;
  /**
   * Checks, once it is up, that it really runs as configured (e.g. the Rust planner is in use);
   * answers a sentence for the report, or throws.
   */
  verify?(headers: Readonly<Record<string, string>>): Promise<string>;
  stop(): Promise<void>;
}

export type PeerStart = { readonly ran: true; readonly peer: RunningPeer } | { readonly ran: false; readonly reason: string };

export interface PeerGateway {
  /** Short id for tables and ratio names, e.g. 'hive'. */
  readonly id: string;
  /** What a reader knows it by, e.g. 'Hive Gateway (Node)'. */
  readonly label: string;
  /**
   * Installed with the repo (npm): failing to start is a bench failure. The others are built
   * outside the repo and are reported as not run when their binary is missing or will not start.
   */
  readonly required: boolean;
  start(options: PeerStartOptions): Promise<PeerStart>;
}

/**
 * The header our subgraphs require: a gateway-signed credential of the caller. Peers cannot sign
 * it, so the load sends it and every peer is configured to forward it to every subgraph.
 */
export const PROPAGATED_HEADER = GATEWAY_CREDENTIAL_HEADER;
