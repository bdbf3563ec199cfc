/**
 * Issue 14, point 17: the README's quick start, run as it stands. Its shell block is
 * taken from README.md, only its two settings (`B=` the address, `T=` the admin token)
 * are replaced by the started service's, and bash runs it against a real service
 * process – the commands must bring a ministry from the admin token to the first mail
 * in the outbox.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freeLoopbackPort } from '../helpers/net.ts';
import { createTestDatabaseUrl, databaseKinds } from '../helpers/databases.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ADMIN_TOKEN = 'quick-start-admin-token-0123456789';

/** The first ```sh block after the heading "## Quick start". */
function quickStartBlock(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Quick start'));
  const block = /```sh\n([\s\S]*?)\n```/.exec(section)?.[1];
  if (!block) throw new Error('README: no ```sh block under "## Quick start"');
  return block;
}

function run(command: string, args: string[], env: Record<string, string>, cwd: string) {
  const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}

for (const kind of databaseKinds()) {
  t.test(`${kind}: the README's quick start brings a ministry to the first mail in the outbox`, async (t) => {
    const block = quickStartBlock();
    const settings = block.split('\n').filter((line) => /^[BT]=/.test(line));
    t.same(settings.map((line) => line[0]), ['B', 'T'], 'the block sets the address and the admin token, and nothing else is to be filled in');
    t.notMatch(block.replace(/^[BT]=.*$/gm, ''), /<[a-z]+>|…\s*$/m, 'no other placeholder');

    const dataDir = mkdtempSync(join(tmpdir(), 'efa-quickstart-'));
    t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
    const port = await freeLoopbackPort();
    const databaseUrl = kind === 'postgres' ? await createTestDatabaseUrl(t) : '';
    const service = run(process.execPath, [join(ROOT, 'src/cli.ts'), 'serve'], { DATA_DIR: dataDir, DATABASE_URL: databaseUrl, PORT: String(port), EFA_ADMIN_TOKEN: ADMIN_TOKEN, LOG_LEVEL: 'warn', SMTP_URL: '' }, ROOT);
    t.teardown(() => {
      service.child.kill('SIGKILL');
    });
    const url = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      if (service.child.exitCode !== null) throw new Error(`service exited: ${service.stderr()}`);
      if (await fetch(`${url}/health`).then((response) => response.ok, () => false)) break;
      if (i > 600) throw new Error('service did not become healthy');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    const script = ['set -eu', `B=${url}`, `T=${ADMIN_TOKEN}`, block.replace(/^[BT]=.*$/gm, '')].join('\n');
    const shell = run('bash', ['-c', script], {}, dataDir);
    const timer = setTimeout(() => shell.child.kill('SIGKILL'), 120_000);
    const code = await shell.exited;
    clearTimeout(timer);
    const output = shell.stdout();
    t.equal(code, 0, `the block runs through: ${shell.stderr()}`);
    t.match(output, /^erstinformation$/m, 'step 3: the solution is in its Erstinformation');
    t.match(output, /"kontaktEmail":"ozg@msgiv\.example"/, 'step 4: the mail details');
    t.match(output, /^Erstinformation: Nachnutzung der EfA-Lösung „Elterngeld digital“/m, 'step 5: the preview');
    t.match(output, /angenommen: 21/, 'step 7: 18 authorities and 3 multipliers, all accepted');
    t.match(output, /^Message-ID: <[^>]+>$/m, 'step 8: a mail from the outbox');
    t.match(output, /^Auto-Submitted: auto-generated$/m);
    const files = readdirSync(join(dataDir, 'outbox')).filter((file) => file.endsWith('.eml'));
    t.equal(files.length, 21, 'the outbox holds the 21 mails');
  });
}
