// The "tests" of the example: they need a running Redis at REDIS_PORT, and check that it
// answers, stores and returns a value, and counts atomically.
import { openRedis } from './resp.mjs';

const redis = openRedis(Number(process.env.REDIS_PORT));
const expectEqual = (what, actual, expected) => {
  if (actual !== expected) throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  console.log(`ok - ${what}`);
};
try {
  expectEqual('PING answers PONG', await redis.call('PING'), 'PONG');
  expectEqual('SET stores a value', await redis.call('SET', 'troupe-example:greeting', 'hello from troupe'), 'OK');
  expectEqual('GET returns it', await redis.call('GET', 'troupe-example:greeting'), 'hello from troupe');
  for (let i = 1; i <= 3; i++) expectEqual(`INCR counts to ${i}`, await redis.call('INCR', 'troupe-example:counter'), i);
  console.log('all tests passed');
} finally {
  redis.close();
}
