import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { Supergraph } from '@apollo/federation-internals';
import type { SupergraphManager } from '@apollo/gateway';
import type { Logger } from '@mesh/server-kit';
import { resolveSubgraphRoutes, type SubgraphRoute } from './subgraph-routes.js';

// Why: a new composition must reach the gateway without a restart, because a restart closes every
// open subscription. The file is polled (content hash, so editors' renames and Kubernetes'
// config-map symlink swaps are seen alike); a file that does not build is refused and the
// supergraph already serving stays.

/** A supergraph that built and routed: what every part of the gateway serves from. */
export interface LoadedSupergraph {
  /** sha256 of the SDL, shortened: names the composition in logs and on /ready. */
  readonly id: string;
  readonly sdl: string;
  readonly supergraph: Supergraph;
  readonly routes: readonly SubgraphRoute[];
  readonly loadedAt: string;
}

/** The last reload that failed, until one succeeds. */
export interface ReloadFailure {
  readonly message: string;
  readonly at: string;
  readonly id: string;
}

type Listener = (loaded: LoadedSupergraph) => void;

export class SupergraphSource {
  private loaded: LoadedSupergraph;
  /** The supergraph being switched to while listeners run (the HTTP gateway builds its data sources from it). */
  private candidate: LoadedSupergraph | undefined;
  private failure: ReloadFailure | undefined;
  private readonly listeners = new Set<Listener>();
  private timer: NodeJS.Timeout | undefined;
  /** The file's version (fileVersionOf) when it was last read; taken before reading, so a write during the read is seen next time. */
  private fileVersion: string | undefined;

  /** Loads the file once; throws when it does not build (the gateway must not start without a graph). */
  constructor(
    private readonly options: { readonly path: string; readonly overrides: Readonly<Record<string, string>>; readonly pollMs: number; readonly logger: Logger },
  ) {
    this.fileVersion = fileVersionOf(options.path);
    this.loaded = this.build(readFileSync(options.path, 'utf8'));
  }

  get current(): LoadedSupergraph {
    return this.loaded;
  }

  /** The URL for a subgraph of the supergraph being served or being switched to. */
  urlFor(subgraph: string): string | undefined {
    return (this.candidate ?? this.loaded).routes.find((route) => route.name === subgraph)?.url;
  }

  /** The failed reload, if the file changed into something that does not build. */
  get reloadFailure(): ReloadFailure | undefined {
    return this.failure;
  }

  /** Called after each successful reload, after the HTTP gateway switched to it. */
  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Hands the supergraph to @apollo/gateway and keeps it updated; polling starts here. */
  manager(): SupergraphManager {
    return {
      initialize: async ({ update }) => {
        this.listeners.add((loaded) => update(loaded.sdl));
        if (this.options.pollMs > 0) {
          this.timer = setInterval(() => this.reload(), this.options.pollMs);
          this.timer.unref();
        }
        return { supergraphSdl: this.loaded.sdl, cleanup: async () => clearInterval(this.timer) };
      },
    };
  }

  /**
   * Reads the file again; switches to it when it changed and builds. Returns what happened.
   * A file that does not build (or a listener that refuses it) leaves the current supergraph serving.
   */
  reload(): 'unchanged' | 'reloaded' | 'refused' {
    let sdl: string;
    try {
      // A stat a second instead of reading and hashing the whole file: the poll is most of an idle gateway's work.
      const version = fileVersionOf(this.options.path);
      if (version === this.fileVersion) return 'unchanged';
      sdl = readFileSync(this.options.path, 'utf8');
      this.fileVersion = version;
    } catch (error) {
      return this.refuse(error, 'unreadable');
    }
    const id = hashOf(sdl);
    if (id === this.loaded.id || id === this.failure?.id) return 'unchanged';
    let next: LoadedSupergraph;
    try {
      next = this.build(sdl, id);
      this.candidate = next;
      // The HTTP gateway's update is first (it is registered first) and may throw: then nothing switched.
      for (const listener of this.listeners) listener(next);
    } catch (error) {
      return this.refuse(error, id);
    } finally {
      this.candidate = undefined;
    }
    this.loaded = next;
    this.failure = undefined;
    this.options.logger.info({ supergraph: id, subgraphs: next.routes.map((route) => route.name) }, 'supergraph reloaded');
    return 'reloaded';
  }

  private refuse(error: unknown, id: string): 'refused' {
    const message = error instanceof Error ? error.message : String(error);
    this.failure = { message, at: new Date().toISOString(), id };
    this.options.logger.error({ supergraph: id, err: error, serving: this.loaded.id }, 'supergraph reload refused; the previous supergraph keeps serving');
    return 'refused';
  }

  private build(sdl: string, id = hashOf(sdl)): LoadedSupergraph {
    const supergraph = Supergraph.build(sdl, { validateSupergraph: true });
    return Object.freeze({ id, sdl, supergraph, routes: resolveSubgraphRoutes(supergraph, this.options.overrides), loadedAt: new Date().toISOString() });
  }
}

/** What changes whenever the file is rewritten or replaced: inode (a rename over it), size, modification time in ns. */
function fileVersionOf(path: string): string {
  const stats = statSync(path, { bigint: true });
  return `${stats.ino}:${stats.size}:${stats.mtimeNs}`;
}

function hashOf(sdl: string): string {
  return createHash('sha256').update(sdl).digest('hex').slice(0, 16);
}
