// Process supervision: the team's `manage.py runserver` and `reflex run`, each in its own process
// group, started, watched until ready, restarted with backoff when they crash, and stopped with
// TERM then KILL. It only reports into the upstreams' state; it never routes.
import type { Logger } from 'pino';
import { RdpError } from './errors.js';
import { type ChildCommand, type ChildExit, type ChildRun, launch } from './supervisor/child-run.js';
import { RestartPolicy, RESTART_POLICY } from './supervisor/restart-policy.js';
import type { Watchdog } from './supervisor/watchdog.js';
import type { ProcessReport, Upstream, UpstreamState } from './proxy/upstream.js';

export type ChildName = 'django' | 'reflex';
type ChildState = 'starting' | 'up' | 'restarting' | 'failed' | 'stopped';

export interface ChildSpec {
  readonly name: ChildName;
  readonly command: ChildCommand;
  /** The upstreams this child serves, each with the check that says it is ready. */
  readonly serves: ReadonlyArray<{ readonly upstream: Upstream; readonly isReady: () => Promise<boolean> }>;
  /** Sees every line first: where the child says it really listens (Vite may take another port). */
  readonly watchLine?: (line: string) => void;
}

export interface ChildStatus {
  readonly name: ChildName;
  readonly state: ChildState;
  readonly pid: number | undefined;
  readonly since: number;
  readonly lastLine: string;
  readonly restarts: number;
}

export type ChildOutput = (name: ChildName, stream: 'stdout' | 'stderr', line: string) => void;

interface SupervisorOptions {
  readonly logger: Logger;
  readonly killTimeoutMs: number;
  readonly watchdog: Watchdog;
  readonly output: ChildOutput;
}

const LOG_LINES_KEPT = 200;
const LOG_TAIL_LINES = 30;
const READY_POLL_MS = 250;

const UPSTREAM_STATE: Readonly<Record<ChildState, UpstreamState>> = {
  starting: 'starting',
  restarting: 'starting',
  up: 'up',
  failed: 'down',
  stopped: 'down',
};

function exitText(exit: ChildExit): string {
  return exit.signal === undefined ? `exit code ${exit.exitCode}` : exit.signal;
}

class SupervisedChild {
  state: ChildState = 'starting';
  since = Date.now();
  restarts = 0;
  run: ChildRun | undefined;
  private readonly lines: string[] = [];
  private readonly policy = new RestartPolicy();
  private stopping = false;
  private restartTimer: NodeJS.Timeout | undefined;

  private lastExit: ProcessReport['lastExit'];

  constructor(
    readonly spec: ChildSpec,
    private readonly options: SupervisorOptions,
  ) {
    // One live report per child, read by the error page and /__rdp/ whenever they ask.
    const child = this;
    const report: ProcessReport = {
      get state() {
        return UPSTREAM_STATE[child.state];
      },
      get givenUp() {
        return child.state === 'failed';
      },
      get pid() {
        return child.run?.pid;
      },
      get restarts() {
        return child.restarts;
      },
      get lastExit() {
        return child.lastExit;
      },
      logTail: (lines = LOG_TAIL_LINES) => this.lines.slice(-lines),
    };
    for (const { upstream } of spec.serves) upstream.reportProcess(report);
  }

  get lastLine(): string {
    return this.lines.at(-1) ?? '';
  }

  private setState(state: ChildState): void {
    this.state = state;
    this.since = Date.now();
  }

  private onLine = (stream: 'stdout' | 'stderr', line: string): void => {
    this.lines.push(line);
    if (this.lines.length > LOG_LINES_KEPT) this.lines.splice(0, this.lines.length - LOG_LINES_KEPT);
    this.spec.watchLine?.(line);
    this.options.output(this.spec.name, stream, line);
  };

  /** Starts a run and resolves once every upstream it serves is ready; rejects if it exits first. */
  async startRun(): Promise<void> {
    const run = await launch(this.spec.name, this.spec.command, this.onLine, this.options.killTimeoutMs);
    this.run = run;
    this.options.watchdog.watch(run.pid);
    let exited = false;
    void run.exited.then((exit) => {
      exited = true;
      this.lastExit = { at: Date.now(), how: exitText(exit) };
      this.options.watchdog.release(run.pid);
      // Exits before readiness are startRun's to report; this is a crash of a running child.
      if (!this.stopping && this.state === 'up') this.onCrash(run, exit.exitCode, exit.signal);
    });
    for (const { isReady } of this.spec.serves) {
      while (!(await isReady())) {
        if (exited || this.stopping) {
          const exit = await run.exited;
          throw new RdpError('RDP_ERR_CHILD_FAILED', `${this.spec.name} exited (${exitText(exit)}) before it was ready; last lines:\n${this.lines.slice(-LOG_TAIL_LINES).join('\n')}`);
        }
        await new Promise((resolve) => setTimeout(resolve, READY_POLL_MS));
      }
    }
    this.setState('up');
  }

  private onCrash(run: ChildRun, exitCode: number | undefined, signal: string | undefined): void {
    const { logger } = this.options;
    const decision = this.policy.onCrash(Date.now(), run.startedAt);
    if ('giveUp' in decision) {
      this.setState('failed');
      logger.error(
        { proc: this.spec.name, exitCode, signal, crashes: decision.crashes, lastLines: this.lines.slice(-LOG_TAIL_LINES) },
        `${this.spec.name} crashed ${decision.crashes} times in ${RESTART_POLICY.crashWindowMs / 60_000} minutes and stays down: fix the error in its last lines, then restart reflex-django-proxy`,
      );
      return;
    }
    this.setState('restarting');
    this.restarts += 1;
    logger.warn({ proc: this.spec.name, exitCode, signal, restartInMs: decision.restartInMs }, 'child exited; restarting');
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.stopping) return;
      this.startRun().catch((error: unknown) => {
        // A restart that dies before it is ready counts as another crash.
        logger.warn({ proc: this.spec.name, err: error }, 'restart failed');
        if (!this.stopping && this.run !== undefined) this.onCrash(this.run, undefined, undefined);
      });
    }, decision.restartInMs);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer !== undefined) clearTimeout(this.restartTimer);
    const run = this.run;
    if (run !== undefined) {
      await run.stop(this.options.killTimeoutMs);
      this.options.watchdog.release(run.pid);
    }
    if (this.state !== 'failed') this.setState('stopped');
  }
}

export class Supervisor {
  private readonly children: SupervisedChild[];

  constructor(specs: readonly ChildSpec[], options: SupervisorOptions) {
    this.children = specs.map((spec) => new SupervisedChild(spec, options));
  }

  /** Resolves when every child is ready; rejects (RDP_ERR_CHILD_FAILED) when one cannot get there. */
  async start(): Promise<void> {
    await Promise.all(this.children.map((child) => child.startRun()));
  }

  status(): ChildStatus[] {
    return this.children.map((child) => ({
      name: child.spec.name,
      state: child.state,
      pid: child.run?.pid,
      since: child.since,
      lastLine: child.lastLine,
      restarts: child.restarts,
    }));
  }

  /** A child that gave up, or never got started, makes a stop unsuccessful. */
  get hasFailed(): boolean {
    return this.children.some((child) => child.state === 'failed' || child.run === undefined);
  }

  async stop(): Promise<void> {
    await Promise.all(this.children.map((child) => child.stop()));
  }
}
