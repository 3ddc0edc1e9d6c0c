// A CI step: put reflex-django-proxy in front of the Django and Reflex servers the job started,
// prove that a Django admin login reaches the Reflex socket on the one origin, and leave a JUnit
// report for the CI's test view. Exit status 0 only when no check failed.
//
//   DJANGO_URL=http://127.0.0.1:8001 REFLEX_BACKEND_URL=http://127.0.0.1:8002 \
//   REFLEX_FRONTEND_URL=http://127.0.0.1:3000 VERIFY_USERNAME=admin VERIFY_PASSWORD=... \
//   node verify-session.mjs
import { writeFile } from 'node:fs/promises';
import { startProxy, verify } from 'reflex-django-proxy';

const env = process.env;
const proxy = await startProxy({
  djangoUrl: env.DJANGO_URL,
  reflexBackendUrl: env.REFLEX_BACKEND_URL,
  reflexFrontendUrl: env.REFLEX_FRONTEND_URL,
  // The port Reflex was told about (REFLEX_API_URL=http://localhost:8000); 0 takes any free one.
  port: Number(env.PROXY_PORT ?? 8000),
});
try {
  console.log(`proxy at ${proxy.url}`);
  const report = await verify({
    url: proxy.url,
    username: env.VERIFY_USERNAME,
    password: env.VERIFY_PASSWORD,
    requireSession: true,
    onCheck: (check) => console.log(`${check.status.padEnd(7)} ${check.id}. ${check.name} — ${check.reason}${check.fix ? `\n        fix: ${check.fix}` : ''}`),
  });
  await writeFile(env.JUNIT_FILE ?? 'verify-junit.xml', report.junit());
  console.log(`${report.counts.pass} passed, ${report.counts.warn} warned, ${report.counts.fail} failed, ${report.counts.skipped} skipped`);
  process.exitCode = report.ok ? 0 : 1;
} finally {
  await proxy.close();
}
