// The dashboard's Verify button runs these same checks inside the proxy (status/ cannot import
// verify/, which sits above it: the CLI and the library hand this in to createProxy). Loaded on the
// first run, so a proxy nobody verifies from its dashboard does not carry the checks' modules.
import type { VerifyRunner } from '../status/verify-route.js';

const TIMEOUT_MS = 10_000;

export const verifyFromDashboard: VerifyRunner = async (request, onCheck) => {
  const { runChecks } = await import('./checks.js');
  return runChecks({ ...request, requireSession: false, timeoutMs: TIMEOUT_MS }, onCheck);
};
