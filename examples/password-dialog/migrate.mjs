// A database migration tool that asks for the password the way such tools do: a prompt
// on the terminal, typed characters not echoed (raw mode), Enter to finish. It refuses to
// run without a terminal, so only a pty (or tmux) dialog can answer it.
import { createHash } from 'node:crypto';

if (!process.stdin.isTTY) {
  console.error('migrate: a terminal is needed to ask for the password');
  process.exit(2);
}
process.stdout.write('Password: ');
process.stdin.setRawMode(true);
let typed = '';
process.stdin.on('data', (chunk) => {
  for (const char of chunk.toString('utf8')) {
    if (char === '\r' || char === '\n') return finish();
    if (char === '\u0003') process.exit(130);
    typed += char;
  }
});

function finish() {
  process.stdin.setRawMode(false);
  process.stdin.pause();
  process.stdout.write('\n');
  const digest = createHash('sha256').update(typed).digest('hex');
  if (digest !== process.env.EXPECTED_SHA256) {
    console.log('migrate: access denied');
    process.exit(1);
  }
  for (const migration of ['001-create-users', '002-add-email-index', '003-create-orders']) console.log(`applied ${migration}`);
  console.log('migrate: 3 migrations applied');
}
