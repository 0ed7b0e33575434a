#!/bin/sh
# Starts redis-server with the given arguments or, where it is not installed (or when
# TROUPE_EXAMPLE_FIXTURE=1), the fixture server, saying so: the example then still shows
# the whole workflow.
if [ "${TROUPE_EXAMPLE_FIXTURE:-}" = 1 ]; then
  echo "TROUPE_EXAMPLE_FIXTURE=1: using the fixture server (examples/redis-then-tests/fixture-server.mjs)"
elif command -v redis-server >/dev/null 2>&1; then
  exec redis-server "$@"
else
  echo "redis-server is not installed here: using the fixture server (examples/redis-then-tests/fixture-server.mjs)"
fi
exec node "$(dirname "$0")/fixture-server.mjs" "$@"
