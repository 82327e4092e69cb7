import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Where Node's C++ headers may be (Debian's nodejs package, or an install prefix beside the binary). */
const HEADER_DIRS = ['/usr/include/node', path.join(path.dirname(process.execPath), '..', 'include', 'node')];

export function nodeHeaders(): string | null {
  return HEADER_DIRS.find((d) => existsSync(path.join(d, 'node.h'))) ?? null;
}

export function haveCompiler(): boolean {
  try {
    execFileSync('g++', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * A real native add-on built as for another Node: compiled against this Node's headers with the
 * module registering NODE_MODULE_VERSION 108 (Node 18), which is what an add-on built by Node 18
 * does. Loading it here fails in process.dlopen with Node's own mismatch error.
 */
export async function buildForeignAbiAddon(dir: string, headers: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const source = path.join(dir, 'addon.cc');
  await writeFile(
    source,
    `#include <node.h>
#undef NODE_MODULE_VERSION
#define NODE_MODULE_VERSION 108
static void Init(v8::Local<v8::Object> exports) {}
NODE_MODULE(foreign_abi, Init)
`,
  );
  const out = path.join(dir, 'foreign.node');
  execFileSync('g++', ['-shared', '-fPIC', `-I${headers}`, source, '-o', out], { stdio: 'pipe' });
  return out;
}
