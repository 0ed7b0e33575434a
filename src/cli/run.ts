/**
 * Runs the CLI from source: `node --import tsx src/cli/run.ts ps`. Tests use it; the
 * published `bin/troupe.js` runs the compiled `dist/cli/main.js` the same way.
 */
import { main } from './main.js';

await main(process.argv.slice(2));
