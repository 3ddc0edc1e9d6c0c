// Reflex's getBackendURL rule, from a table: where the browser opens an env.json endpoint, and the
// REFLEX_API_URL the proxy picks so that an https page's socket keeps its port.
import t from 'tap';
import { browserEndpoint, reflexApiUrl } from '../src/config/reflex-backend-url.js';

t.test('where the browser opens an endpoint from a page', async (t) => {
  const cases: Array<[endpoint: string, page: string, lands: string]> = [
    ['ws://localhost:8000/_event', 'http://localhost:8000/', 'ws://localhost:8000/_event'],
    ['ws://localhost:8000/_event', 'http://127.0.0.1:8000/', 'ws://127.0.0.1:8000/_event'],
    ['ws://0.0.0.0:8000/_event', 'http://app.example.test/', 'ws://app.example.test:8000/_event'],
    ['ws://localhost:8000/_event', 'https://127.0.0.1:8000/', 'wss://127.0.0.1/_event'],
    ['https://localhost:8443/_upload', 'https://localhost:8443/', 'https://localhost/_upload'],
    ['wss://127.0.0.1:8443/_event', 'https://127.0.0.1:8443/', 'wss://127.0.0.1:8443/_event'],
    ['wss://app.localhost:8443/_event', 'https://app.localhost:8443/', 'wss://app.localhost:8443/_event'],
    ['ws://127.0.0.1:8002/_event', 'https://127.0.0.1:8000/', 'ws://127.0.0.1:8002/_event'],
  ];
  for (const [endpoint, page, lands] of cases) t.equal(browserEndpoint(endpoint, page).href, lands, `${endpoint} from ${page}`);
});

t.test('REFLEX_API_URL: the public origin, unless Reflex would drop its port', async (t) => {
  t.same(reflexApiUrl('http://localhost:8000'), { apiUrl: 'http://localhost:8000' });
  t.same(reflexApiUrl('https://127.0.0.1:8443'), { apiUrl: 'https://127.0.0.1:8443' });
  t.same(reflexApiUrl('https://localhost'), { apiUrl: 'https://localhost' }, 'on 443 the dropped port is the right one');
  t.same(reflexApiUrl('https://app.example.test:8443'), { apiUrl: 'https://app.example.test:8443' });
  t.same(reflexApiUrl('https://localhost:8443'), { apiUrl: 'https://127.0.0.1:8443', openInstead: 'https://127.0.0.1:8443' });
});
