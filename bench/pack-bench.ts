import * as fs from 'fs';
import * as path from 'path';
import { ROOT, WORK, run } from './exec';

/** The npm tarball of a clean checkout after a build, as `npm pack --json` reports it. */
export interface PackResult {
  readonly sizeBytes: number;
  readonly unpackedBytes: number;
  readonly entryCount: number;
  /** Unpacked bytes and file count per top-level entry, largest first. */
  readonly byEntry: Array<{ readonly entry: string; readonly files: number; readonly bytes: number }>;
}

interface NpmPackEntry {
  readonly size: number;
  readonly unpackedSize: number;
  readonly entryCount: number;
  readonly files: Array<{ readonly path: string; readonly size: number }>;
}

/** Build outputs, and the bundled dependencies package.json names, that a clean checkout gets from `npm install` and the build. */
const BUILT = ['lib', 'assets', '.jsii', ...bundledDependencies().map((name) => `node_modules/${name}`)];

function bundledDependencies(): string[] {
  return JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf-8')).bundledDependencies ?? [];
}

function copyInto(stage: string, relative: string): void {
  const from = path.join(ROOT, relative);
  if (fs.existsSync(from)) {
    fs.cpSync(from, path.join(stage, relative), { recursive: true });
  }
}

/**
 * Packs what a clean checkout would publish: the tracked files (`git ls-files`), bench/, and the build outputs,
 * copied to `.tmp/bench/pack`, so that untracked local folders (cdk.out, .tmp, jsii-pacmak's .cache) do not count.
 */
export function measurePack(): PackResult {
  const stage = path.join(WORK, 'pack', 'cdk-efa');
  fs.rmSync(path.dirname(stage), { recursive: true, force: true });
  fs.mkdirSync(stage, { recursive: true });
  const tracked = run('git', ['ls-files', '-z']).stdout.split('\0').filter((f) => f !== '' && fs.existsSync(path.join(ROOT, f)));
  for (const file of [...tracked, 'bench', ...BUILT]) {
    copyInto(stage, file);
  }
  const { stdout } = run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', path.dirname(stage)], { cwd: stage });
  const [entry] = JSON.parse(stdout.substring(stdout.indexOf('['))) as NpmPackEntry[];
  const byEntry = new Map<string, { files: number; bytes: number }>();
  for (const file of entry.files) {
    const top = file.path.startsWith('node_modules/') ? file.path.split('/').slice(0, 2).join('/') : file.path.split('/')[0];
    const row = byEntry.get(top) ?? { files: 0, bytes: 0 };
    byEntry.set(top, { files: row.files + 1, bytes: row.bytes + file.size });
  }
  return {
    sizeBytes: entry.size,
    unpackedBytes: entry.unpackedSize,
    entryCount: entry.entryCount,
    byEntry: [...byEntry.entries()].map(([e, r]) => ({ entry: e, ...r })).sort((a, b) => b.bytes - a.bytes),
  };
}
