import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';

/** Debian's chromium, or what CHROMIUM_PATH names: nothing downloads a browser. */
export const chromiumPath = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/** Whether the system chromium is there. */
export const hasChromium = existsSync(chromiumPath);

/**
 * Launches the system chromium headless (no sandbox: tests may run as root in containers).
 *
 * @example
 * const browser = await launchChromium(); const page = await browser.newPage(); ...; await browser.close();
 */
export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}
