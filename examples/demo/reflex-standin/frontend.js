// The stand-in's frontend dev server: the app's page (page.js), on the next port when its own is
// busy, printing "App running at:" as Reflex does once Vite listens.
import { createServer } from 'node:http';
import { servePage } from './page.js';

const server = createServer(servePage);

let port = Number(process.argv[2] ?? 3000);
server.on('error', (error) => {
  if (error.code !== 'EADDRINUSE') throw error;
  port += 1;
  server.listen(port, '127.0.0.1');
});
server.on('listening', () => console.log(`App running at: http://localhost:${port}/`));
server.listen(port, '127.0.0.1');
