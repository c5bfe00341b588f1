import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';

// Why: the clienteling page must be proven in a real browser. Debian's chromium, driven over the
// Chrome DevTools Protocol: the browser prints its DevTools WebSocket URL, the JSON endpoint
// opens a tab, and the tab's own WebSocket takes CDP commands (Page.navigate, Runtime.evaluate).

/** The chromium binary: CHROMIUM_BIN, or `chromium` / `chromium-browser` on PATH. */
export function findChromium(): string | undefined {
  const candidates = [process.env['CHROMIUM_BIN'], 'chromium', 'chromium-browser'].filter((name): name is string => Boolean(name));
  return candidates.find((name) => spawnSync(name, ['--version'], { stdio: 'ignore' }).status === 0);
}

/** One tab, driven over CDP. */
export interface BrowserTab {
  /** Navigates and resolves once the page's load event fired. */
  open(url: string): Promise<void>;
  /** Evaluates `expression` in the page (awaiting a returned promise) and answers its JSON value. */
  evaluate<T>(expression: string, timeoutMs?: number): Promise<T>;
  /** Messages the page logged to its console and uncaught exceptions, for failure reports. */
  readonly console: string[];
}

export interface HeadlessChromium {
  readonly tab: BrowserTab;
  close(): Promise<void>;
}

/** Launches headless chromium with a throwaway profile and opens one tab. */
export async function launchChromium(binary: string): Promise<HeadlessChromium> {
  const profile = await mkdtemp(join(tmpdir(), 'clienteling-chromium-'));
  const child = spawn(
    binary,
    ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage', '--no-first-run', '--remote-debugging-port=0', `--user-data-dir=${profile}`, 'about:blank'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  try {
    const browserWs = await devToolsUrl(child);
    const httpBase = `http://${new URL(browserWs).host}`;
    const target = (await (await fetch(`${httpBase}/json/new?about:blank`, { method: 'PUT' })).json()) as { webSocketDebuggerUrl: string };
    const tab = await connectTab(target.webSocketDebuggerUrl);
    return {
      tab,
      async close() {
        await tab.dispose();
        await stopBrowser(child);
        await rm(profile, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await stopBrowser(child);
    await rm(profile, { recursive: true, force: true });
    throw error;
  }
}

function devToolsUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`chromium printed no DevTools URL within 30 s:\n${output}`)), 30_000);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = /DevTools listening on (ws:\/\/\S+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`chromium exited with ${code}:\n${output}`));
    });
  });
}

async function connectTab(url: string): Promise<BrowserTab & { dispose(): Promise<void> }> {
  const socket = new WebSocket(url, { perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  let nextId = 1;
  const pending = new Map<number, { resolve: (value: Record<string, unknown>) => void; reject: (error: Error) => void }>();
  const listeners = new Map<string, (() => void)[]>();
  const consoleLines: string[] = [];
  socket.on('message', (raw) => {
    const message = JSON.parse(raw.toString()) as { id?: number; result?: Record<string, unknown>; error?: { message: string }; method?: string; params?: Record<string, unknown> };
    if (message.id !== undefined) {
      const waiter = pending.get(message.id);
      pending.delete(message.id);
      if (message.error) waiter?.reject(new Error(message.error.message));
      else waiter?.resolve(message.result ?? {});
      return;
    }
    if (message.method === 'Runtime.consoleAPICalled') {
      const args = (message.params?.['args'] as { value?: unknown; description?: string }[] | undefined) ?? [];
      consoleLines.push(args.map((arg) => String(arg.value ?? arg.description ?? '')).join(' '));
    }
    if (message.method === 'Runtime.exceptionThrown') consoleLines.push(`exception: ${JSON.stringify(message.params?.['exceptionDetails'])}`);
    for (const listener of listeners.get(message.method ?? '') ?? []) listener();
    listeners.delete(message.method ?? '');
  });
  const send = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      socket.send(JSON.stringify({ id, method, params }));
    });
  const once = (method: string) => new Promise<void>((resolve) => listeners.set(method, [...(listeners.get(method) ?? []), resolve]));
  await send('Page.enable');
  await send('Runtime.enable');
  return {
    console: consoleLines,
    async open(pageUrl) {
      const loaded = once('Page.loadEventFired');
      await send('Page.navigate', { url: pageUrl });
      await loaded;
    },
    async evaluate<T>(expression: string, timeoutMs = 20_000) {
      const answer = await send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true, timeout: timeoutMs });
      const details = answer['exceptionDetails'] as { exception?: { description?: string }; text?: string } | undefined;
      if (details) throw new Error(`page evaluation failed: ${details.exception?.description ?? details.text}\nconsole:\n${consoleLines.join('\n')}`);
      return (answer['result'] as { value: T }).value;
    },
    async dispose() {
      socket.close();
      for (const waiter of pending.values()) waiter.reject(new Error('the tab was closed'));
    },
  };
}

function stopBrowser(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
