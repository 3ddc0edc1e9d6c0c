// --django-cmd / --reflex-cmd: placeholders, then words split as a shell would, without a shell.
import t from 'tap';
import { fillPlaceholders, splitCommandLine } from '../../src/supervisor/command-line.js';

t.test('words, quotes and escapes', async (t) => {
  const cases: Array<[string, string[]]> = [
    ['python manage.py runserver 127.0.0.1:8001', ['python', 'manage.py', 'runserver', '127.0.0.1:8001']],
    ['  a   b\tc  ', ['a', 'b', 'c']],
    [`sh -c 'echo "hi there"; exit 3'`, ['sh', '-c', 'echo "hi there"; exit 3']],
    ['echo "a b" c\\ d', ['echo', 'a b', 'c d']],
    [`echo "say \\"x\\"" ''`, ['echo', 'say "x"', '']],
    ['echo $HOME', ['echo', '$HOME']],
  ];
  for (const [line, words] of cases) t.same(splitCommandLine(line, 'django-cmd'), words, line);
});

t.test('errors name the flag', async (t) => {
  t.throws(() => splitCommandLine('echo "open', 'reflex-cmd'), { code: 'RDP_ERR_INVALID_OPTION', message: /--reflex-cmd: .* unclosed "/ });
  t.throws(() => splitCommandLine('   ', 'django-cmd'), { code: 'RDP_ERR_INVALID_OPTION', message: /--django-cmd: the command is empty/ });
  t.throws(() => fillPlaceholders('run {prot}', { port: '1' }, 'django-cmd'), { message: /--django-cmd: unknown placeholder \{prot\}; available: \{port\}/ });
});

t.test('placeholders are filled before splitting', async (t) => {
  const line = fillPlaceholders('reflex run --backend-port {backend_port} --frontend-port {frontend_port} --env-url {public_url}', { backend_port: '8002', frontend_port: '3000', public_url: 'http://localhost:8000' }, 'reflex-cmd');
  t.same(splitCommandLine(line, 'reflex-cmd'), ['reflex', 'run', '--backend-port', '8002', '--frontend-port', '3000', '--env-url', 'http://localhost:8000']);
});
