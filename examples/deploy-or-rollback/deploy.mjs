// Promotes the staged release to the live slot.
import { renameSync, rmSync } from 'node:fs';

rmSync('out/live', { recursive: true, force: true });
renameSync('out/staging', 'out/live');
console.log(`release ${process.argv[2]} is live`);
