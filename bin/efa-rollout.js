#!/usr/bin/env node
// The efa-rollout command. Its sources are TypeScript that Node 24 runs as they are
// (type stripping). Started by a Node without it – e.g. the machine's own, older Node
// when the command is called outside npm – it hands over to the Node that `npm install`
// put into node_modules, with the same arguments, signals and exit code.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { enableCompileCache } from 'node:module';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

if (process.features.typescript) {
  // Before the first TypeScript file: with src/cli.ts as the entry, Node strips its types
  // before cli.ts can turn the cache on, and loading the stripper alone costs ~0.15 s of
  // CPU and ~17 MB. The same directory as src/compile-cache.ts (plain JavaScript here);
  // NODE_DISABLE_COMPILE_CACHE=1 makes it a no-op.
  enableCompileCache(fileURLToPath(new URL('../node_modules/.cache/efa-rollout/compile-cache', import.meta.url)));
  await import(cli);
} else {
  const projectNode = fileURLToPath(new URL('../node_modules/node/bin/node', import.meta.url));
  if (!existsSync(projectNode)) {
    console.error(`efa-rollout braucht Node.js 24 (diese Node-Version: ${process.version}). Bitte zuerst "npm install" im Projektverzeichnis ausführen.`);
    process.exit(1);
  }
  const child = spawn(projectNode, [cli, ...process.argv.slice(2)], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => {
    if (signal) process.kill(process.pid, signal);
    else process.exit(code ?? 1);
  });
}
