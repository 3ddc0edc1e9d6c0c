// Backoff 0.5 s doubling to 30 s, reset after a minute up, and down for good after 5 crashes in 2 minutes.
import t from 'tap';
import { RestartPolicy } from '../../src/supervisor/restart-policy.js';

t.test('delays double from 0.5 s and cap at 30 s', async (t) => {
  const policy = new RestartPolicy();
  const delays: number[] = [];
  // One crash every 40 s: never 5 within 2 minutes, never up a whole minute.
  for (let i = 0; i < 10; i += 1) {
    const now = i * 40_000;
    const decision = policy.onCrash(now, now - 30_000);
    delays.push('restartInMs' in decision ? decision.restartInMs : -1);
  }
  t.same(delays, [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000, 30000]);
});

t.test('a run that stayed up a minute resets the delay', async (t) => {
  const policy = new RestartPolicy();
  t.same(policy.onCrash(1_000, 0), { restartInMs: 500 });
  t.same(policy.onCrash(2_000, 1_500), { restartInMs: 1000 });
  t.same(policy.onCrash(70_000, 3_000), { restartInMs: 500 }, 'up 67 s before this crash');
});

t.test('5 crashes within 2 minutes: it stays down', async (t) => {
  const policy = new RestartPolicy();
  for (let i = 0; i < 4; i += 1) t.ok('restartInMs' in policy.onCrash(i * 10_000, i * 10_000 - 1_000), `crash ${i + 1} restarts`);
  t.same(policy.onCrash(40_000, 39_000), { giveUp: true, crashes: 5 });
});

t.test('crashes older than 2 minutes do not count', async (t) => {
  const policy = new RestartPolicy();
  for (let i = 0; i < 4; i += 1) policy.onCrash(i * 1_000, i * 1_000 - 500);
  t.ok('restartInMs' in policy.onCrash(125_000, 124_000), 'the first four are out of the window');
});
