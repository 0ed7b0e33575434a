// A stand-in for a dev server: takes a moment to boot, then says where it listens.
import { createServer } from 'node:http';

const server = createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ ok: true, path: req.url }));
});
setTimeout(() => {
  server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
    console.log(`listening on http://127.0.0.1:${server.address().port}`);
  });
}, 200);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
