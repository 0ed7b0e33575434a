// Serves the built frontend (out/frontend) over HTTP. Ready when it answers.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';

const port = Number(process.env.FRONTEND_PORT);
const server = createServer(async (request, response) => {
  if (request.url !== '/' && request.url !== '/index.html') return response.writeHead(404).end();
  response.writeHead(200, { 'content-type': 'text/html' });
  response.end(await readFile('out/frontend/index.html'));
});
server.listen(port, '127.0.0.1', () => console.log(`frontend listening on ${port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
