// Removes what the tests stored, whether they passed or not (the step runs with
// `condition: always`), so the next run starts from an empty counter. When redis never
// came up there is nothing to remove, and that is not a failure of the cleanup.
import { openRedis } from './resp.mjs';

const port = Number(process.env.REDIS_PORT);
const redis = openRedis(port);
try {
  const removed = await redis.call('DEL', 'troupe-example:greeting', 'troupe-example:counter');
  console.log(`removed ${removed} test keys`);
} catch (err) {
  console.log(`redis is not reachable on port ${port} (${err.code ?? err.message}): nothing to clean up`);
} finally {
  redis.close();
}
