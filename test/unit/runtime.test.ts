import t from 'tap';

/**
 * The tests run where the service runs: on the project's Node 24, with Node's own type
 * stripping – no TypeScript loader of tap's (scripts/tap-plugins.ts removes it before the
 * first run after an install).
 */
t.test('Node 24 with its own type stripping, no TypeScript loader', async (t) => {
  t.match(process.version, /^v24\./, `runs on ${process.version}`);
  t.ok(process.features.typescript, 'Node strips the types itself');
  const loaders = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].filter((argument) => /@tapjs\/typescript|tsx|ts-node|tsimp/.test(argument));
  t.same(loaders, [], 'no TypeScript loader in the test process');
});
