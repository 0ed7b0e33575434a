fetch(`http://127.0.0.1:${window.BACKEND_PORT}/api/hello`)
  .then((response) => response.json())
  .then((body) => { document.getElementById('message').textContent = body.message; });
