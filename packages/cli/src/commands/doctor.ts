import type { Command } from 'commander';
import { type DoctorCheck, type DoctorReport, doctor } from '@vecdex/core';
import { contextFor } from '../cli-context.js';
import { ExitStatus } from '../cli-error.js';
import type { CliIo } from '../cli-io.js';
import { CLI_PACKAGE_DIR } from '../open-store.js';
import { redactText } from '../output/redact.js';

const MARK: Record<DoctorCheck['status'], string> = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL', skip: 'skip' };

/**
 * `vecdex doctor`: is everything installed and loadable, is the store healthy, which index is
 * behind, damaged or full of tombstones. Opens the store read-only and writes nothing. Exit
 * status 0 when no check failed (warnings allowed), 1 otherwise.
 */
export function registerDoctor(program: Command, io: CliIo): void {
  program
    .command('doctor')
    .description('check the installation, the store and every index without changing anything (exit 1 when a check fails)')
    .action(async (_opts: unknown, cmd: Command) => {
      const ctx = contextFor(io, cmd);
      const report = redactReport(
        await doctor({ config: ctx.globals.config, cwd: io.cwd, env: io.env, resolvePaths: [CLI_PACKAGE_DIR] }),
      );
      ctx.out.data(report, () => formatReport(report));
      if (!report.ok) throw new ExitStatus(1);
    });
}

function formatReport(report: DoctorReport): string {
  const width = Math.max(...report.checks.map((c) => c.name.length));
  const lines = report.checks.map((c) => {
    const head = `${MARK[c.status]}  ${c.name.padEnd(width)}  ${c.message}`;
    return c.remedy === undefined || c.status === 'ok' ? head : `${head}\n${' '.repeat(width + 8)}-> ${c.remedy}`;
  });
  const failed = report.checks.filter((c) => c.status === 'fail').length;
  const warned = report.checks.filter((c) => c.status === 'warn').length;
  lines.push(
    '',
    `${failed === 0 ? 'healthy' : `${failed} problem(s) found`}${warned > 0 ? `, ${warned} warning(s)` : ''} (${report.checks.length} checks in ${report.durationMs} ms)`,
  );
  return lines.join('\n');
}

/** Messages may quote a connection string: never print a password. */
function redactReport(report: DoctorReport): DoctorReport {
  return {
    ...report,
    checks: report.checks.map((c) => ({
      ...c,
      message: redactText(c.message),
      ...(c.remedy === undefined ? {} : { remedy: redactText(c.remedy) }),
    })),
  };
}
