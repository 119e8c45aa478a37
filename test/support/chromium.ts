// Debian's Chromium, driven by playwright-core (which never downloads a browser
// of its own), for the tests of the HTML report. Without the binary, the tests
// that need it are skipped, saying why.
import { existsSync } from 'node:fs'
import { chromium, type Browser, type Page } from 'playwright-core'

export const chromiumBinary = [process.env.PGLEAK_TEST_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path): path is string => !!path && existsSync(path))

export const NO_CHROMIUM = 'skipped: chromium not installed (apt-get install chromium, or PGLEAK_TEST_CHROMIUM=/path/to/chromium)'

export interface OpenedPage {
  readonly page: Page
  /** Every request the page made, its own file's first. */
  readonly requests: string[]
  readonly consoleErrors: string[]
  close(): Promise<void>
}

/** Opens a file in headless Chromium with the network closed, noting what it asks for and what it logs. */
export async function openInChromium(path: string, viewport = { width: 1040, height: 900 }): Promise<OpenedPage> {
  const browser: Browser = await chromium.launch({
    executablePath: chromiumBinary!,
    // As root the sandbox cannot start; the background services would reach for a network there is none of.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    // playwright gives each launch a new, empty profile of its own.
  })
  const page = await browser.newPage({ viewport })
  const requests: string[] = []
  const consoleErrors: string[] = []
  page.on('request', (request) => void requests.push(request.url()))
  page.on('console', (message) => void (message.type() === 'error' && consoleErrors.push(message.text())))
  page.on('pageerror', (error) => void consoleErrors.push(error.message))
  await page.goto(`file://${path}`)
  return {
    page,
    requests,
    consoleErrors,
    async close() {
      await browser.close()
    },
  }
}

/** Opens a file in Chromium for `use`, and closes the browser whatever `use` does. */
export async function inChromium<T>(path: string, use: (opened: OpenedPage) => Promise<T>): Promise<T> {
  const opened = await openInChromium(path)
  try {
    return await use(opened)
  } finally {
    await opened.close()
  }
}
