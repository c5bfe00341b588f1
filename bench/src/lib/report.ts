import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import type { BenchSize, ScenarioResult } from './scenario.js';
import { round } from './stats.js';

export interface RunHeader {
  readonly date: string;
  readonly command: string;
  readonly size: BenchSize;
  readonly commit: string;
  readonly machine: { readonly cpu: string; readonly cores: number; readonly memoryGiB: number; readonly loadCore: string };
  readonly versions: Readonly<Record<string, string>>;
}

// The workspace's hoisted copies (some packages do not export their package.json).
const nodeModules = new URL('../../../node_modules/', import.meta.url);
function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(new URL(`${name}/package.json`, nodeModules), 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

function commitOf(repoRoot: string): string {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: repoRoot, encoding: 'utf8' }).trim() !== '';
    return dirty ? `${sha} (with uncommitted changes)` : sha;
  } catch {
    return 'unknown';
  }
}

export function runHeader(options: {
  repoRoot: string;
  command: string;
  size: BenchSize;
  loadCore: string;
  extraVersions?: Record<string, string>;
}): RunHeader {
  return {
    date: new Date().toISOString(),
    command: options.command,
    size: options.size,
    commit: commitOf(options.repoRoot),
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), loadCore: options.loadCore },
    versions: {
      node: process.versions.node,
      '@apollo/gateway': packageVersion('@apollo/gateway'),
      '@apollo/server': packageVersion('@apollo/server'),
      graphql: packageVersion('graphql'),
      'graphql-ws': packageVersion('graphql-ws'),
      autocannon: packageVersion('autocannon'),
      ...options.extraVersions,
    },
  };
}

const cell = (value: string | number) => (typeof value === 'number' ? String(round(value)) : value.replace(/\|/g, '\\|'));

export function renderMarkdown(header: RunHeader, results: readonly ScenarioResult[]): string {
  const lines = [
    `# Benchmark results (${header.size})`,
    '',
    `- date: ${header.date}`,
    `- command: \`${header.command}\``,
    `- commit: ${header.commit}`,
    `- machine: ${header.machine.cpu}, ${header.machine.cores} cores, ${header.machine.memoryGiB} GiB; load generator pinned to core ${header.machine.loadCore}`,
    `- versions: ${Object.entries(header.versions)
      .map(([name, version]) => `${name} ${version}`)
      .join(', ')}`,
    '',
  ];
  for (const result of results) {
    lines.push(`## ${result.id}. ${result.title}`, '', result.method, '');
    for (const table of result.tables) {
      lines.push(`**${table.title}**`, '', `| ${table.columns.join(' | ')} |`, `| ${table.columns.map(() => '---').join(' | ')} |`);
      for (const row of table.rows) lines.push(`| ${row.map(cell).join(' | ')} |`);
      lines.push('');
    }
    if (result.ratios.length > 0) {
      lines.push('| ratio | per round | median | target | met |', '| --- | --- | --- | --- | --- |');
      for (const item of result.ratios) {
        lines.push(
          `| ${item.name} | ${item.perRound.map((value) => cell(value)).join(', ')} | ${cell(item.median)} | ${item.target ?? ''} | ${item.met === undefined ? '' : item.met ? 'yes' : 'no'} |`,
        );
      }
      lines.push('');
    }
    for (const note of result.notes) lines.push(`- ${note}`);
    if (result.notes.length > 0) lines.push('');
  }
  return `${lines.join('\n')}\n`;
}

/** Writes <out>/<size>.json and <out>/<size>.md (the committed latest), answering their paths. */
export async function writeResults(outDir: string, header: RunHeader, results: readonly ScenarioResult[]): Promise<{ json: string; markdown: string }> {
  await mkdir(outDir, { recursive: true });
  const json = join(outDir, `${header.size}.json`);
  const markdown = join(outDir, `${header.size}.md`);
  await writeFile(json, `${JSON.stringify({ ...header, results }, null, 2)}\n`);
  await writeFile(markdown, renderMarkdown(header, results));
  return { json, markdown };
}
