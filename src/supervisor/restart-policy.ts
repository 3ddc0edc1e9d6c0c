// When a crashed child comes back (docs/supervising.md, "Crashes and reloads"): 0.5 s doubling to
// 30 s, the delay reset once the child has stayed up a minute, and after 5 crashes in 2 minutes it
// stays down.

export const RESTART_POLICY = Object.freeze({
  firstDelayMs: 500,
  maxDelayMs: 30_000,
  resetAfterUpMs: 60_000,
  maxCrashes: 5,
  crashWindowMs: 120_000,
});

type RestartDecision = { readonly restartInMs: number } | { readonly giveUp: true; readonly crashes: number };

export class RestartPolicy {
  private readonly crashTimes: number[] = [];
  private nextDelayMs: number = RESTART_POLICY.firstDelayMs;

  /** `startedAt` is when the crashed run began, so a long healthy run resets the delay. */
  onCrash(now: number, startedAt: number): RestartDecision {
    if (now - startedAt >= RESTART_POLICY.resetAfterUpMs) this.nextDelayMs = RESTART_POLICY.firstDelayMs;
    this.crashTimes.push(now);
    while (this.crashTimes.length > 0 && now - this.crashTimes[0]! > RESTART_POLICY.crashWindowMs) this.crashTimes.shift();
    if (this.crashTimes.length >= RESTART_POLICY.maxCrashes) return { giveUp: true, crashes: this.crashTimes.length };
    const restartInMs = this.nextDelayMs;
    this.nextDelayMs = Math.min(this.nextDelayMs * 2, RESTART_POLICY.maxDelayMs);
    return { restartInMs };
  }
}
