import fs from 'node:fs';

/**
 * This CPU's feature flags as the kernel lists them (the `flags` line of /proc/cpuinfo), or null
 * where they cannot be read (not Linux). native/build.mjs records them with the native build; the
 * loader uses that build only on a CPU that has every one of them (see `checkNativeBuild`).
 */
export function cpuFeatures(cpuinfo = '/proc/cpuinfo'): Set<string> | null {
  let text: string;
  try {
    text = fs.readFileSync(cpuinfo, 'utf8');
  } catch {
    return null;
  }
  const line = text.split('\n').find((l) => /^flags\s*:/.test(l));
  if (line === undefined) return null;
  return new Set(
    line
      .slice(line.indexOf(':') + 1)
      .trim()
      .split(/\s+/)
      .filter((f) => f !== ''),
  );
}
