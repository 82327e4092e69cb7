import type { DoctorCheck } from '../contracts/doctor-check.js';

/** How long `vecdex doctor` waits for an embedding API to answer. */
export const PROBE_TIMEOUT_MS = 5_000;

/**
 * `scheme://host/path` of a URL: no user, password, query or fragment (where keys hide), for
 * messages. A text that is not a URL is shown as `(not a URL)`.
 */
export function safeUrl(href: string): string {
  try {
    const u = new URL(href);
    return `${u.protocol}//${u.host}${u.pathname}`.replace(/\/+$/, '');
  } catch {
    return '(not a URL)';
  }
}

/**
 * Whether an OpenAI-compatible API base answers (`GET {apiBase}/models`, no embedding spent):
 * any HTTP answer means reachable; 401/403 means the key was refused; no answer within
 * {@link PROBE_TIMEOUT_MS} is a failure. The URL in the check is {@link safeUrl}'d.
 */
export async function probeApiBase(
  apiBase: string,
  headers: { [name: string]: string },
  doFetch: typeof fetch = fetch,
  timeoutMs = PROBE_TIMEOUT_MS,
): Promise<DoctorCheck> {
  const name = 'provider.api';
  const where = safeUrl(apiBase);
  let probe: URL;
  try {
    probe = new URL(`${where}/models`);
  } catch {
    return {
      name,
      status: 'fail',
      message: `apiBase is not a URL: ${where}`,
      remedy: 'set embedding.apiBase to a URL like https://api.openai.com/v1',
    };
  }
  const started = performance.now();
  try {
    const res = await doFetch(probe, { method: 'GET', headers, signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel().catch(() => undefined);
    const ms = Math.round(performance.now() - started);
    const details = { status: res.status, ms };
    if (res.status === 401 || res.status === 403)
      return {
        name,
        status: 'fail',
        message: `${where} refused the API key (${res.status} to GET /models)`,
        remedy: 'check the API key (embedding.apiKeyEnv, VECDEX_API_KEY or OPENAI_API_KEY)',
        details,
      };
    return { name, status: 'ok', message: `${where} answers (${res.status} to GET /models in ${ms} ms)`, details };
  } catch (err) {
    const e = err as { name?: string; cause?: { code?: string } };
    const reason = e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (e.cause?.code ?? 'network error');
    return {
      name,
      status: 'fail',
      message: `could not reach ${where} (${reason})`,
      remedy: 'start the embedding server or fix embedding.apiBase (VECDEX_API_BASE, OPENAI_BASE_URL)',
    };
  }
}
