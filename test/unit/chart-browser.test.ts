import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderSvg } from '../../activities/report/chart-renderer';
import { chartSpec } from '../../domain/charts/vega-lite-spec';
import { launchBrowser, type TestBrowser } from '../helpers/browser';
import { FIXTURE_VIEWS, fixtureRows } from '../helpers/chart-fixtures';
import { countSvgMarks } from '../helpers/svg-marks';

// The browser path, proven: a chart SVG written to disk opens in headless Chromium (file://) and
// its DOM holds the marks the server-side count found.
let browser: TestBrowser;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'mastoflow-chart-browser-'));
  browser = await launchBrowser();
}, 300_000); // the first run may install chromium

afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('charts in a real browser', () => {
  for (const name of ['v_top_hashtags', 'v_tracked_accounts']) {
    it(`${name}: the SVG file's marks, counted through the DOM`, async () => {
      const view = FIXTURE_VIEWS.find((v) => v.name === name)!;
      const svg = await renderSvg(chartSpec(view, fixtureRows(name)));
      const file = path.join(dir, `${name}.svg`);
      writeFileSync(file, svg);
      const page = await browser.context.newPage();
      try {
        await page.goto(pathToFileURL(file).href);
        // Locators, not page.evaluate: the DOM is queried in the page, the project has no DOM typings.
        const lines = page.locator('g.mark-line.role-mark > path');
        const lineCount = await lines.count();
        const dom = {
          rects: await page.locator('g.mark-rect.role-mark > path').count(),
          lineVertices: [] as number[],
          lineLengths: [] as number[],
          title: await page.locator('.role-title-text text').first().textContent(),
          width: (await page.locator('svg').first().boundingBox())?.width,
        };
        for (let i = 0; i < lineCount; i++) {
          dom.lineVertices.push((await lines.nth(i).getAttribute('d'))?.match(/[ML]/g)?.length ?? 0);
          dom.lineLengths.push(await lines.nth(i).evaluate((p: { getTotalLength(): number }) => p.getTotalLength()));
        }
        const server = countSvgMarks(svg);
        expect(dom.rects).toBe(server.rects);
        expect(dom.lineVertices).toEqual(server.lineVertices);
        expect(dom.rects + dom.lineVertices.length).toBeGreaterThan(0);
        expect(dom.lineLengths.every((l) => l > 0)).toBe(true); // the browser laid the lines out
        expect(dom.title).toBe(view.chart!.title);
        expect(dom.width).toBe(800);
      } finally {
        await page.close();
      }
    }, 60_000);
  }
});
