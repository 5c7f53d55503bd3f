// The playground in a real headless Chromium (playwright-core through @metagen/test-browser: a
// system Chromium/Chrome, else the one inside @sparticuz/chromium; never skipped) against the
// real server and the real tinymath models, with every request outside the server refused:
// a REBASE run and a self-consistency run started from the generated form, the tree and the
// vote chart waited for, a node clicked and reached by keyboard, a run cancelled, compare mode
// and the scaling view filled in, screenshots at 1280x800 and at phone width.
import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { launchTestBrowser } from '@metagen/test-browser'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMetagenServer, type MetagenServer } from '../src/index.js'

const outputFolder = join(import.meta.dirname, '..', 'test-output', 'playground')

type Browser = Awaited<ReturnType<typeof launchTestBrowser>>['browser']
type Page = Awaited<ReturnType<Browser['newPage']>>

let server: MetagenServer
let url: string
let browser: Browser
let page: Page
const outside: string[] = []
const pageErrors: string[] = []

beforeAll(async () => {
  await mkdir(outputFolder, { recursive: true })
  server = createMetagenServer({ log: false, limits: { maxStrategySamples: 4096 } })
  url = await server.listen(0, '127.0.0.1')
  browser = (await launchTestBrowser()).browser
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
  page.setDefaultTimeout(90_000)
  await page.route('**/*', (route) => {
    const requested = route.request().url()
    if (requested.startsWith(url)) return route.continue()
    outside.push(requested)
    return route.abort()
  })
  page.on('pageerror', (error) => pageErrors.push(error.message))
  await page.goto(`${url}/`)
  await page.waitForSelector('#run')
})

afterAll(async () => {
  await browser?.close()
  await server?.close()
})

async function screenshot(name: string): Promise<void> {
  const path = join(outputFolder, `${name}.png`)
  await page.screenshot({ path, fullPage: false })
  expect((await readFile(path)).subarray(1, 4).toString('latin1')).toBe('PNG')
}

async function runStatus(): Promise<string | null> {
  return page.locator('#run-output .run-status').getAttribute('data-status')
}

describe('the playground in a browser', () => {
  it('builds the form from the strategy schema, with nested strategies and range errors', async () => {
    await page.selectOption('#model', 'tinymath-draft')
    await page.selectOption('#strategy', 'self-consistency')
    await expect(page.locator('label[for="strategy-n"]').textContent()).resolves.toBe('n')
    await expect(page.locator('#strategy-n').getAttribute('placeholder')).resolves.toBe('16')
    await expect(page.locator('#strategy-n-help').textContent()).resolves.toContain(
      'an integer >= 1',
    )
    // A nested strategy is a nested form, and the JSON view follows the form.
    await page.selectOption('#strategy-base', 'step-beam')
    await page.waitForSelector('#strategy-base-beamWidth')
    await page.fill('#strategy-base-beamWidth', '2')
    await page.locator('#strategy-base-beamWidth').press('Tab')
    const json = JSON.parse(await page.locator('#spec-text').inputValue())
    expect(json).toEqual({
      strategy: 'self-consistency',
      base: { strategy: 'step-beam', beamWidth: 2 },
    })
    // The same spec as YAML; an edited YAML spec applied back drives the form.
    await page.click('.spec-view summary')
    await page.selectOption('#spec-format', 'yaml')
    await expect(page.locator('#spec-text').inputValue()).resolves.toBe(
      'strategy: self-consistency\nbase:\n  strategy: step-beam\n  beamWidth: 2\n',
    )
    await page.fill(
      '#spec-text',
      'strategy: self-consistency\nbase:\n  strategy: step-beam\n  beamWidth: 3\n',
    )
    await page.click('#apply-spec')
    await expect(page.locator('#strategy-base-beamWidth').inputValue()).resolves.toBe('3')
    await page.fill('#spec-text', 'strategy: [unclosed')
    await page.click('#apply-spec')
    await expect(page.locator('.spec-view .error').textContent()).resolves.toMatch(
      /^spec: expected valid YAML/,
    )
    await page.selectOption('#spec-format', 'json')
    await page.click('.spec-view summary')
    await page.selectOption('#strategy-base', '')
    // Out of range: the field says what is allowed and Run refuses, nothing is clamped.
    await page.fill('#strategy-n', '0')
    await page.locator('#strategy-n').press('Tab')
    await expect(page.locator('[data-option="strategy.n"] .error').textContent()).resolves.toBe(
      'n: expected an integer >= 1, got "0"',
    )
    await page.click('#run')
    await expect(page.locator('#form-error').textContent()).resolves.toContain('n: expected')
    await page.fill('#strategy-n', '8')
    await page.locator('#strategy-n').press('Tab')
    await expect(page.locator('[data-option="strategy.n"] .error').count()).resolves.toBe(0)
  })

  it('runs self-consistency from the form and draws the vote chart', async () => {
    await page.click('button.example[data-example="1"]')
    await page.click('#run')
    await page.waitForSelector('#run-output .run-status[data-status="done"]')
    await page.waitForSelector('#run-output .vote-chart')
    const rows = page.locator('#run-output .vote-chart .bar-row')
    expect(await rows.count()).toBeGreaterThanOrEqual(1)
    const answer = (await page.locator('#run-output .answer-value').textContent()) ?? ''
    const winner =
      (await rows
        .locator('xpath=self::*[contains(@class, "winner")]')
        .first()
        .locator('th')
        .textContent()) ?? ''
    expect(winner.replace('\u2713', '').trim()).toBe(answer)
    const votes = await page
      .locator('#run-output .vote-chart .bar-value')
      .evaluateAll((elements) => elements.map((element) => Number(element.textContent)))
    // Eight samples; those without an extractable answer cast no vote (the caption says how many).
    const voted = votes.reduce((sum, count) => sum + count, 0)
    expect(voted).toBeGreaterThanOrEqual(1)
    expect(voted).toBeLessThanOrEqual(8)
    const caption = (await page.locator('#run-output .vote-chart figcaption').textContent()) ?? ''
    expect(caption).toContain('8 samples')
    if (voted < 8) expect(caption).toContain(`${8 - voted} without an answer`)
    await expect(page.locator('[data-counter="model calls"]').textContent()).resolves.toMatch(/^\d/)
    await screenshot('self-consistency')
  })

  it('runs REBASE and draws the tree growing to the chosen path; nodes open by click and keys', async () => {
    await page.selectOption('#strategy', 'rebase')
    await page.fill('#strategy-width', '6')
    await page.locator('#strategy-width').press('Tab')
    // the search itself merges identical steps by default; off, every sample is a trace node
    // and the playground's own merging is what the toggle shows
    await page.selectOption('#strategy-mergeIdenticalSteps', 'false')
    await page.click('button.example[data-example="0"]')
    await page.click('#run')
    await page.waitForSelector('#run-output svg.tree-svg .tree-node')
    await page.waitForSelector('#run-output .run-status[data-status="done"]')
    // Identical steps are merged (their count drawn in the node); unmerged, every node shows.
    const merged = await page.locator('#run-output .tree-node').count()
    const toggle = page.locator('#run-output .tree-section input[type="checkbox"]')
    await toggle.uncheck()
    const unmerged = await page.locator('#run-output .tree-node').count()
    expect(unmerged).toBeGreaterThan(3)
    expect(unmerged).toBeGreaterThanOrEqual(merged)
    const multiplicities = await page
      .locator('#run-output .tree-node')
      .evaluateAll((elements) =>
        elements.map((element) => Number(element.getAttribute('data-multiplicity'))),
      )
    expect(multiplicities.every((value) => value === 1)).toBe(true)
    await toggle.check()
    const chosen = page.locator('#run-output .tree-node.chosen')
    const chosenCount = await chosen.count()
    expect(chosenCount).toBeGreaterThanOrEqual(2)
    await expect(page.locator('#run-output .edge.chosen').count()).resolves.toBe(
      (await chosen.count()) - 1,
    )
    // Counters: generated tokens against the budget (samples x max tokens = 6 x 128).
    await expect(page.locator('[data-counter="generated tokens"]').textContent()).resolves.toMatch(
      /\/ 768$/,
    )
    // Click the last node of the chosen path: its text is the answer's.
    await chosen.last().click()
    await expect(page.locator('#run-output .details').isVisible()).resolves.toBe(true)
    const answerText = (await page.locator('#run-output .answer-text').textContent()) ?? ''
    await expect(page.locator('#run-output .detail-text').textContent()).resolves.toBe(answerText)
    await expect(page.locator('#run-output .detail-call').textContent()).resolves.toContain(
      'tinymath-draft',
    )
    await screenshot('rebase')
    // Keyboard: up to the parent, then Escape closes the details.
    const selected = await page.locator('#run-output .tree-node.selected').getAttribute('data-id')
    await page.locator('#run-output svg.tree-svg').focus()
    await page.keyboard.press('ArrowUp')
    const parent = await page
      .locator('#run-output .tree-node[aria-selected="true"]')
      .getAttribute('data-id')
    expect(parent).not.toBe(selected)
    await expect(
      page.locator('#run-output svg.tree-svg').getAttribute('aria-activedescendant'),
    ).resolves.toMatch(new RegExp(`-node-${parent}$`))
    await expect(
      page.locator('#run-output .tree-node[aria-selected="true"]').getAttribute('class'),
    ).resolves.toContain('chosen')
    await page.keyboard.press('Escape')
    await expect(page.locator('#run-output .details').isHidden()).resolves.toBe(true)
    // Replayed step by step, the tree grows back to the same drawing.
    await page.selectOption('#run-output .replay-speed', '40')
    await page.click('#run-output button.replay')
    await page.waitForSelector('#run-output .run-status[data-status="replayed"]')
    await expect(page.locator('#run-output .tree-node').count()).resolves.toBe(merged)
    await expect(page.locator('#run-output .tree-node.chosen').count()).resolves.toBe(chosenCount)
  })

  it('cancels a long run from the Cancel button', async () => {
    await page.selectOption('#model', 'tinymath-generator')
    await page.fill('#strategy-width', '512')
    await page.locator('#strategy-width').press('Tab')
    await page.fill('#max-tokens', '32')
    await page.click('#run')
    await page.waitForSelector('#run-output .run-status[data-status="running"]')
    await page.waitForSelector('#cancel:not([disabled])')
    await page.click('#cancel')
    await page.waitForSelector('#run-output .run-status[data-status="cancelled"]')
    await expect(page.locator('#run-output .run-status').textContent()).resolves.toContain(
      'cancelled',
    )
    await expect(page.locator('#run').isEnabled()).resolves.toBe(true)
    // However wide the tree, it scrolls inside its box: the page itself never gets wider.
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
      1280,
    )
    await screenshot('cancelled')
    expect(await runStatus()).toBe('cancelled')
    await page.fill('#max-tokens', '')
    await page.fill('#strategy-width', '')
    await page.selectOption('#model', 'tinymath-draft')
  })

  it('compares strategies side by side', async () => {
    await page.click('#tab-compare')
    await page.click('#compare-run')
    const panels = page.locator('.compare-grid .run-panel')
    await expect(panels.count()).resolves.toBe(3)
    // The page's own code runs in the browser: its conditions are strings (this file has no DOM types).
    await page.waitForFunction(
      'document.querySelectorAll(\'.compare-grid .run-status[data-status="done"]\').length === 3',
      undefined,
      { timeout: 90_000 },
    )
    expect(await page.locator('.compare-grid .vote-chart').count()).toBe(1)
    expect(
      await page.locator('.compare-grid .tree-section:not([hidden]) .tree-node').count(),
    ).toBeGreaterThan(2)
    expect(await page.locator('.compare-grid .tree-section:not([hidden])').count()).toBe(2)
    await screenshot('compare')
  })

  it('fills in accuracy against tokens in the scaling view', async () => {
    await page.click('#tab-scaling')
    await page.fill('#scale-budgets', '1,2')
    await page.fill('#scale-problems', '2')
    await page.click('#scale-run')
    await page.waitForFunction(
      "document.querySelector('.scale-progress').textContent.startsWith('done') || document.querySelector('.scaling .error').textContent !== ''",
      undefined,
      { timeout: 120_000 },
    )
    await expect(page.locator('.scaling .error').textContent()).resolves.toBe('')
    // Two ticked strategies (self-consistency, best-of-n) x two budgets.
    await expect(page.locator('.scale-point').count()).resolves.toBe(4)
    await expect(page.locator('.scale-table tbody tr').count()).resolves.toBe(4)
    await screenshot('scaling')
  })

  it('works at phone width and keeps everything on its own server', async () => {
    await page.click('#tab-run')
    await page.setViewportSize({ width: 390, height: 844 })
    const width = await page.evaluate<number>('document.documentElement.scrollWidth')
    expect(width).toBeLessThanOrEqual(390)
    await screenshot('phone-form')
    await page.selectOption('#strategy', 'step-beam')
    await page.click('#run')
    await page.waitForSelector('#run-output .run-status[data-status="done"]')
    await page.waitForSelector('#run-output .tree-node.chosen')
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
      390,
    )
    await screenshot('phone-run')
    expect(outside).toEqual([])
    expect(pageErrors).toEqual([])
  })
})
