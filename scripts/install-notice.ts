/**
 * `postinstall`, last step: `npm install` run by a machine's older Node (Node 20 here)
 * warns EBADENGINE for this package and two of its dependencies and ends without saying
 * that this is expected: the project depends on the npm package `node`, whose Node 24
 * every npm script then runs on. One line says so, only when npm itself ran on an older
 * Node. npm names its own Node in npm_config_user_agent (`npm/11.19.1 node/v20.20.2
 * linux x64 …`); this script runs on the project's Node, first on the PATH of npm
 * scripts. (The `node` package's own install script, which fetches that Node, is
 * approved in package.json's `allowScripts`: npm 11 warned about it otherwise.)
 */
const npmNode = /\bnode\/(v(\d+)\.\S+)/.exec(process.env.npm_config_user_agent ?? '');
const projectNodeMajor = Number(process.versions.node.split('.')[0]);

if (npmNode && Number(npmNode[2]) < projectNodeMajor) {
  console.log(
    `efa-rollout: npm lief auf dem System-Node ${npmNode[1]} – daher die EBADENGINE-Warnungen oben; sie sind erwartet: ` +
      `das npm-Paket node hat Node ${process.version} installiert, auf dem npm start, npm test und npx laufen.`,
  );
}
