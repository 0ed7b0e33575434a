// Removes what the tests stored, whether they passed or not (the step runs with
// `condition: always`), so the next run starts from an empty counter.
import { openRedis } from './resp.mjs';

const redis = openRedis(Number(process.env.REDIS_PORT));
try {
  const removed = await redis.call('DEL', 'troupe-example:greeting', 'troupe-example:counter');
  console.log(`removed ${removed} test keys`);
} finally {
  redis.close();
}
