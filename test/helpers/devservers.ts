/**
 * Real dev servers for tests: temp copies of the example projects (so edits never touch the
 * repository), and headless Chromium pages that record what went wrong.
 *
 * Copies live in `<repo>/.tmp-tests/` rather than the OS temp folder: the projects' configs import
 * `vite`/`webpack` from the repository's node_modules, and Vite serves its client from there, which
 * it allows only inside the project's workspace.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface ProjectCopy {
  root: string;
  /** Replace `from` (must be present) with `to` in a file of the copy. */
  edit(file: string, from: string, to: string): void;
  remove(): void;
}

/** A fresh copy of `examples/NAME` (without build output). */
export function copyExample(name: string): ProjectCopy {
  const parent = path.join(repo, '.tmp-tests');
  fs.mkdirSync(parent, { recursive: true });
  const root = fs.mkdtempSync(path.join(parent, `${name}-`));
  fs.cpSync(path.join(repo, 'examples', name), root, {
    recursive: true,
    filter: (source) => !/[\\/](dist|\.vite-cache)$/.test(source),
  });
  return {
    root,
    edit(file, from, to) {
      const target = path.join(root, file);
      const text = fs.readFileSync(target, 'utf8');
      if (!text.includes(from)) throw new Error(`${file} of the ${name} copy does not contain ${JSON.stringify(from)}`);
      fs.writeFileSync(target, text.replace(from, to));
    },
    remove: () => fs.rmSync(root, { recursive: true, force: true }),
  };
}

/** Debian's Chromium, driven by playwright-core (no browser download). */
export const CHROMIUM = '/usr/bin/chromium';
export const runBrowserTests = fs.existsSync(CHROMIUM) || Boolean(process.env.CI);

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  /** Uncaught exceptions and failed requests. */
  problems: string[];
  /** Console errors (CSP violations show up here). */
  consoleErrors: string[];
}

/** A page in a fresh browser profile; close `context` after the test. */
export async function openWatchedPage(browser: Browser): Promise<WatchedPage> {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const problems: string[] = [];
  const consoleErrors: string[] = [];
  page.on('console', (message: ConsoleMessage) => {
    if (message.type() === 'error') consoleErrors.push(`${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => {
    const reason = request.failure()?.errorText ?? '';
    // A reload or navigation aborts what the old page still had in flight.
    if (!/ERR_ABORTED/.test(reason)) problems.push(`request failed: ${request.url()} ${reason}`);
  });
  return { page, context, problems, consoleErrors };
}
