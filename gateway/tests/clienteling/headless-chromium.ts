import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { after, before } from 'node:test';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

// Why: the clienteling page must be proven in a real browser. Debian's chromium, driven over the
// Chrome DevTools Protocol by puppeteer-core (no bundled browser download; we bring the binary).

/** The chromium binary: CHROMIUM_BIN, or `chromium` / `chromium-browser` on PATH. */
export function findChromium(): string | undefined {
  const candidates = [process.env['CHROMIUM_BIN'], 'chromium', 'chromium-browser'].filter((name): name is string => Boolean(name));
  return candidates.find((name) => spawnSync(name, ['--version'], { stdio: 'ignore' }).status === 0);
}

/** puppeteer wants a path: a bare name is looked up on PATH. */
function executablePath(binary: string): string {
  if (binary.includes('/')) return binary;
  for (const directory of (process.env['PATH'] ?? '').split(delimiter)) {
    const candidate = join(directory, binary);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return binary;
}

/** One tab. */
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

/**
 * Headless chromium for the calling test file: launched before its tests (failing at once when it
 * is not installed), closed after them. Returns the tab; it throws if none is open.
 */
export function chromiumForThisFile(): () => BrowserTab {
  let browser: HeadlessChromium | undefined;
  before(async () => {
    const chromium = findChromium();
    assert.ok(chromium, 'chromium is not installed: run scripts/setup.sh (Debian: apt-get install chromium) or set CHROMIUM_BIN');
    browser = await launchChromium(chromium);
  });
  after(async () => {
    await browser?.close();
  });
  return () => (browser ?? assert.fail('chromium not started')).tab;
}

/** Launches headless chromium (a throwaway profile, puppeteer's default) and opens one tab. */
export async function launchChromium(binary: string): Promise<HeadlessChromium> {
  const browser: Browser = await puppeteer.launch({
    executablePath: executablePath(binary),
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'],
  });
  try {
    const page = await browser.newPage();
    return { tab: tabOf(page), close: () => browser.close() };
  } catch (error) {
    await browser.close();
    throw error;
  }
}

function tabOf(page: Page): BrowserTab {
  const consoleLines: string[] = [];
  page.on('console', (message) => consoleLines.push(message.text()));
  page.on('pageerror', (error) => consoleLines.push(`exception: ${String(error)}`));
  return {
    console: consoleLines,
    async open(url) {
      await page.goto(url, { waitUntil: 'load' });
    },
    async evaluate<T>(expression: string, timeoutMs = 20_000) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`page evaluation took over ${timeoutMs} ms: ${expression.slice(0, 120)}\nconsole:\n${consoleLines.join('\n')}`)),
          timeoutMs,
        );
      });
      try {
        return (await Promise.race([page.evaluate(expression), timeout])) as T;
      } catch (error) {
        if (error instanceof Error && !error.message.includes('console:')) error.message += `\nconsole:\n${consoleLines.join('\n')}`;
        throw error;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
