import { launcherNote } from './src/actors/proc/native-spawn.js';
console.log(launcherNote());
