/**
 * Issue 14, point 19: `npm install` on a machine whose own Node is older than 24 ends
 * with one line saying that its EBADENGINE warnings are expected and which Node the
 * project installed; on a Node 24 machine it says nothing. (A real `npm install` with
 * the machine's Node 20 showed the line after the warnings; see the README's set-up.)
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCRIPT = 'scripts/install-notice.ts';

function notice(userAgent: string | undefined): string {
  const env = { ...process.env };
  delete env.npm_config_user_agent;
  if (userAgent !== undefined) env.npm_config_user_agent = userAgent;
  const result = spawnSync(process.execPath, [SCRIPT], { cwd: ROOT, env, encoding: 'utf8' });
  t.equal(result.status, 0, result.stderr);
  return result.stdout;
}

t.test('npm on an older Node: one line naming both Nodes and the warnings as expected', async (t) => {
  const line = notice('npm/11.19.1 node/v20.20.2 linux x64 workspaces/false');
  t.equal(line.trim().split('\n').length, 1, 'one line');
  t.match(line, /^efa-rollout: /);
  t.match(line, /System-Node v20\.20\.2/);
  t.match(line, new RegExp(`Node ${process.version.replaceAll('.', '\\.')} installiert`));
  t.match(line, /EBADENGINE-Warnungen .* erwartet/);
});

t.test('npm on Node 24, or no npm at all: nothing', async (t) => {
  t.equal(notice(`npm/11.19.1 node/${process.version} linux x64`), '');
  t.equal(notice(undefined), '');
});

t.test('package.json runs it last in postinstall and approves the node package\'s install script', async (t) => {
  const manifest = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { scripts: Record<string, string>; allowScripts?: Record<string, boolean> };
  t.match(manifest.scripts.postinstall, new RegExp(`&& node ${SCRIPT}$`));
  t.same(manifest.allowScripts, { node: true });
});
