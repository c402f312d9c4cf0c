import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { renderShadowReportHtml } from '../ui/shadow-report.js';
import type { ShadowReportJson } from '../shadow/stats.js';

/**
 * The shadow report on disk, for a pull request: `NAME.json` (the figures and recent
 * differences, as `/__mfe-dev/api/shadow` gives them) and `NAME.html` (the same, readable in
 * any browser without mfe-dev running). `file` may end in `.json` or `.html`, or in neither.
 */
export function reportPaths(file: string): { json: string; html: string } {
  const base = path.resolve(file).replace(/\.(json|html?)$/i, '');
  return { json: `${base}.json`, html: `${base}.html` };
}

export async function writeShadowReport(file: string, report: ShadowReportJson): Promise<{ json: string; html: string }> {
  const paths = reportPaths(file);
  await mkdir(path.dirname(paths.json), { recursive: true });
  await writeFile(paths.json, JSON.stringify(report, null, 2) + '\n');
  await writeFile(paths.html, renderShadowReportHtml(report));
  return paths;
}
