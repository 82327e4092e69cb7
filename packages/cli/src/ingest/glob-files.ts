import { readdir } from 'node:fs/promises';
import path from 'node:path';

const GLOB_CHARS = /[*?{[]/;

/**
 * Files matching a glob (`docs/**\/*.md`, `notes/*.{md,txt}`, `a/?.txt`), sorted. `**` spans
 * directories; `*` and `?` stay within one; `{a,b}` is a choice; `[abc]` a character class.
 * Hidden files and directories and `node_modules` are skipped unless the pattern names them.
 * Node 20 has no `fs.glob`, hence this small walker.
 */
export async function globFiles(pattern: string, cwd: string): Promise<string[]> {
  const abs = path.resolve(cwd, pattern).split(path.sep).join('/');
  const parts = abs.split('/');
  const firstGlob = parts.findIndex((p) => GLOB_CHARS.test(p));
  if (firstGlob < 0) return [abs];
  const base = parts.slice(0, firstGlob).join('/') || '/';
  const rest = parts.slice(firstGlob).join('/');
  const re = new RegExp(`^${globToRegex(rest)}$`);
  const wantsHidden = rest.split('/').some((p) => p.startsWith('.'));
  const out: string[] = [];
  const walk = async (dir: string, rel: string): Promise<void> => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if ((e.name.startsWith('.') && !wantsHidden) || e.name === 'node_modules') continue;
      const childRel = rel === '' ? e.name : `${rel}/${e.name}`;
      const child = `${dir === '/' ? '' : dir}/${e.name}`;
      if (e.isDirectory()) await walk(child, childRel);
      else if (e.isFile() && re.test(childRel)) out.push(child);
    }
  };
  await walk(base, '');
  return out.sort();
}

/** The regular expression text for a glob over `/`-separated relative paths. */
export function globToRegex(glob: string): string {
  let re = '';
  let inBraces = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*' && glob[i + 1] === '*') {
      const slash = glob[i + 2] === '/';
      re += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '{') {
      inBraces++;
      re += '(?:';
    } else if (c === '}' && inBraces > 0) {
      inBraces--;
      re += ')';
    } else if (c === ',' && inBraces > 0) re += '|';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        const body = glob
          .slice(i + 1, end)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\');
        re += `[${body}]`;
        i = end;
      }
    } else re += c.replace(/[.+^$()|\\\]]/g, '\\$&');
  }
  return re;
}
