// The --html report as a reader sees it, in a real browser (Debian's Chromium):
// the chart's series, axes and limits, a marker and a card per finding, no
// console error and no request leaving the page. Screenshots go to docs/.
import { mkdtemp, readFile, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { runCli } from '../support/run-cli.js'
import { chromiumBinary, inChromium, NO_CHROMIUM, type OpenedPage } from '../support/chromium.js'
import { useTestDatabase } from '../support/test-database.js'

const recording = (name: string): string => fileURLToPath(new URL(`../fixtures/recordings/${name}`, import.meta.url))
// The screenshots the README shows are kept up to date with PGLEAK_UPDATE_SCREENSHOTS=1; otherwise
// they are taken all the same, into a folder of their own, so a test run leaves the tree as it was.
const docs = process.env.PGLEAK_UPDATE_SCREENSHOTS ? fileURLToPath(new URL('../../docs/', import.meta.url)) : await mkdtemp(join(tmpdir(), 'pgleak-screenshots-'))

/** What a reader of the report sees, read off the rendered page. */
async function seen(opened: OpenedPage) {
  const { page } = opened
  return {
    groups: await page.locator('svg.chart path.series').evaluateAll((paths) => paths.map((p) => p.getAttribute('data-group'))),
    legend: await page.locator('svg.chart .legend text').allTextContents(),
    yTicks: await page.locator('svg.chart .y-axis text.tick').allTextContents(),
    xTicks: await page.locator('svg.chart .x-axis text.tick').allTextContents(),
    limits: await page.locator('svg.chart .limit text').allTextContents(),
    markers: await page.locator('svg.chart .marker').evaluateAll((markers) => markers.map((m) => m.getAttribute('data-finding'))),
    markerLinks: await page.locator('svg.chart a').evaluateAll((links) => links.map((a) => a.getAttribute('href'))),
    cards: await page.locator('section.finding').evaluateAll((cards) => cards.map((c) => c.id)),
    cardTitles: await page.locator('section.finding h3').allTextContents(),
    chartBox: await page.locator('svg.chart').boundingBox(),
  }
}

describe.skipIf(!chromiumBinary)(`the HTML report in Chromium ${chromiumBinary ? '' : NO_CHROMIUM}`, () => {
  it('of a replayed recording: each group a band, the limits, each finding marked and carded, nothing fetched', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgleak-html-'))
    const html = join(dir, 'growth.html')
    const result = await runCli(['analyze', recording('growth-every-5s.ndjson'), '--html', html, '--json'])
    expect(result.exitCode).toBe(1)
    const findings = (JSON.parse(result.stdout) as { findings: { title: string }[] }).findings
    expect(findings.length).toBeGreaterThan(0)

    await inChromium(html, async (opened) => {
      const view = await seen(opened)
      expect(view.groups.sort()).toEqual(['report-worker', 'storefront'])
      expect(view.legend.sort()).toEqual(['report-worker', 'storefront'])
      expect(view.yTicks[0]).toBe('0')
      expect(Number(view.yTicks.at(-1))).toBeGreaterThanOrEqual(100)
      expect(view.xTicks).toHaveLength(6)
      expect(view.xTicks[0]).toMatch(/^\d\d:\d\d:\d\d$/)
      expect(view.limits).toEqual(['max_connections 100', 'usable slots 97'])
      // A numbered marker per finding, each linking to its card, in the findings' order.
      const numbers = findings.map((_, i) => String(i + 1))
      expect(view.markers).toEqual(numbers)
      expect(view.markerLinks).toEqual(numbers.map((n) => `#finding-${n}`))
      expect(view.cards).toEqual(numbers.map((n) => `finding-${n}`))
      findings.forEach((finding, i) => expect(view.cardTitles[i]).toContain(finding.title))
      expect(view.chartBox!.width).toBeGreaterThan(800)
      expect(opened.consoleErrors).toEqual([])
      expect(opened.requests).toEqual([`file://${html}`])
    })
  })

  it('of a ten-minute recording at 1 s stays small, and says when there is no finding', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgleak-html-'))
    const html = join(dir, 'bursty.html')
    await runCli(['analyze', recording('bursty-pool-10min.ndjson'), '--html', html])
    expect((await stat(html)).size).toBeLessThan(300_000)
    await inChromium(html, async (opened) => {
      const view = await seen(opened)
      expect(view.groups.length).toBeGreaterThan(0)
      // A healthy bursty pool: no finding, said so.
      expect(view.markers).toEqual([])
      expect(await opened.page.locator('p.none').textContent()).toMatch(/No finding/)
      expect(opened.consoleErrors).toEqual([])
    })
  })

  it("of the demo: order-service's abandoned connections and billing-worker's blocking transaction, on the chart and in cards", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgleak-html-'))
    const html = join(dir, 'demo.html')
    const result = await runCli(['demo', '--duration', '40s', '--html', html, '--json'])
    expect(result.exitCode).toBe(0)
    await inChromium(html, async (opened) => {
      const view = await seen(opened)
      expect(await opened.page.title()).toMatch(/^pgleak demo\b/)
      expect(view.groups).toEqual(expect.arrayContaining(['order-service', 'storefront', 'billing-worker']))
      expect(view.cardTitles.some((title) => /abandoned-connections.*order-service left \d+ connections idle/.test(title))).toBe(true)
      expect(view.cardTitles.some((title) => /idle-in-transaction.*billing-worker \(pid \d+\) holds a transaction open.*blocking 1 session/.test(title))).toBe(true)
      expect(view.markers.length).toBe(view.cards.length)
      expect(opened.consoleErrors).toEqual([])
      expect(opened.requests).toHaveLength(1)
      await opened.page.screenshot({ path: join(docs, 'report-demo.png') })
    })
  }, 120_000)

  it('of pool and server logs: checkouts per pool with the unreturned ones ticked, sessions per minute per application', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgleak-html-'))
    const poolHtml = join(dir, 'pool.html')
    const log = fileURLToPath(new URL('../fixtures/pool-logs/sqlalchemy-leaks/checkout-leaked-on-error.log', import.meta.url))
    const pool = await runCli(['analyze', log, '--html', poolHtml, '--json'])
    const imbalance = (JSON.parse(pool.stdout) as { findings: { kind: string; evidence: { unreturned?: number } }[] }).findings.find((f) => f.kind === 'pool-imbalance')
    expect(imbalance).toBeDefined()
    await inChromium(poolHtml, async (opened) => {
      const page = opened.page
      expect(await page.locator('h2').allTextContents()).toEqual(['Connections checked out of each pool', 'Findings (2)'])
      expect(await page.locator('svg.chart path.series').count()).toBe(1)
      expect(await page.locator('svg.chart .y-axis text').last().textContent()).toBe('checked out')
      // One tick per checkout never returned, where it was taken: as many as the log's truth file says were out at its end.
      const truth = JSON.parse(await readFile(log.replace(/\.log$/, '.truth.json'), 'utf8')) as { checkedOutAtEnd: number }
      expect(await page.locator('svg.chart path.moment').count()).toBe(truth.checkedOutAtEnd)
      expect(await page.locator('svg.chart path.moment title').first().textContent()).toMatch(/checked out at line \d+ and never returned/)
      expect(await page.locator('section.finding h3').allTextContents()).toEqual([expect.stringContaining('pool-imbalance'), expect.stringContaining('pool-exhaustion')])
      expect(opened.consoleErrors).toEqual([])
      expect(opened.requests).toHaveLength(1)
    })

    const serverHtml = join(dir, 'server.html')
    await runCli(['analyze', fileURLToPath(new URL('../fixtures/pool-logs/postgres/default-prefix.log', import.meta.url)), '--html', serverHtml])
    await inChromium(serverHtml, async (server) => {
      const headings = await server.page.locator('h2').allTextContents()
      expect(headings.slice(0, 2)).toEqual(['Server sessions opened per minute, per application', 'Server sessions closed per minute, per application'])
      const bands = await server.page.locator('svg.chart').first().locator('path.series').evaluateAll((paths) => paths.map((p) => p.getAttribute('data-group')))
      expect(bands).toEqual(expect.arrayContaining(['leaky-api', 'api']))
      expect(server.consoleErrors).toEqual([])
    })
  })

  describe('of a check run', () => {
    const db = useTestDatabase()

    it('draws the staircase of a suite that leaks a connection per test, with the finding on it', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'pgleak-html-'))
      const html = join(dir, 'check.html')
      // Run from the script's folder, so the report (and the screenshot kept in docs/) names it as a user would.
      const folder = fileURLToPath(new URL('../fixtures/check-commands/', import.meta.url))
      const result = await runCli(['check', '--html', html, '--redact', '--', 'node', 'pool-per-test.mjs'], { DATABASE_URL: db().url() }, folder)
      expect(result.exitCode).toBe(1)
      expect(await readFile(html, 'utf8')).not.toMatch(/<script/i)
      await inChromium(html, async (opened) => {
        const view = await seen(opened)
        expect(view.groups).toEqual(['the run'])
        expect(await opened.page.locator('ul.facts').textContent()).toContain('command node pool-per-test.mjs, exit 0')
        expect(view.cardTitles.some((title) => /connection-growth/.test(title))).toBe(true)
        expect(view.markers.length).toBe(view.cards.length)
        expect(opened.consoleErrors).toEqual([])
        expect(opened.requests).toHaveLength(1)
        await opened.page.screenshot({ path: join(docs, 'report-check.png') })
      })
    })
  })
})
