// The smoke test: the page is served with the app inlined, and the backend answers.
const get = async (url) => {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return response.text();
};
const page = await get(`http://127.0.0.1:${process.env.FRONTEND_PORT}/`);
if (!page.includes('<title>troupe example</title>') || !page.includes('/api/hello')) throw new Error('the page is not the built frontend');
console.log('frontend ok: the built page is served');
const { message } = JSON.parse(await get(`http://127.0.0.1:${process.env.BACKEND_PORT}/api/hello`));
console.log(`backend ok: ${message}`);
