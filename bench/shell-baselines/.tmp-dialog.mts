import { bareDialog } from './node-pty.js';
const out: string[] = [];
for (let i = 0; i < 10; i++) out.push((await bareDialog(1000)).toFixed(0));
console.log('bare', out.join(' '));
