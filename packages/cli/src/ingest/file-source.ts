import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { CliError } from '../cli-error.js';
import { globFiles } from './glob-files.js';
import type { TextSource } from './text-source.js';

/**
 * One item per file matching any of the globs: id = the path relative to the working directory
 * (with `/`), text = the file's content as UTF-8.
 */
export async function fileSource(patterns: readonly string[], cwd: string): Promise<TextSource> {
  const files = [...new Set((await Promise.all(patterns.map((p) => globFiles(p, cwd)))).flat())].sort();
  if (files.length === 0) {
    throw new CliError('IMPORT_FORMAT', `no files match ${patterns.map((p) => JSON.stringify(p)).join(', ')}`, {
      hint: 'quote the pattern so vecdex expands it, e.g. --files "docs/**/*.md"',
    });
  }
  const root = cwd.split(path.sep).join('/');
  const idOf = (f: string) => (f.startsWith(`${root}/`) ? f.slice(root.length + 1) : f);
  return {
    describe: `${files.length} file(s) matching ${patterns.join(' ')}`,
    count: async () => files.length,
    async *records() {
      for (const f of files) yield { id: idOf(f), text: await readFile(f, 'utf8') };
    },
  };
}
