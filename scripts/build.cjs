'use strict';
// Compiles apps/ and libs/ into dist/ in one swc pass (under a second). The Nest CLI's swc
// builder compiles only one app's folder in monorepo mode and would miss libs/.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const stamp = path.join(root, 'dist', '.build-stamp');

function newestSource(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules') continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(full));
    else if (
      entry.name.endsWith('.ts') ||
      entry.name.endsWith('.lua') ||
      entry.name.endsWith('.html')
    )
      newest = Math.max(newest, fs.statSync(full).mtimeMs);
  }
  return newest;
}

function isStale() {
  if (!fs.existsSync(stamp)) return true;
  const built = fs.statSync(stamp).mtimeMs;
  return ['apps', 'libs'].some((dir) => newestSource(path.join(root, dir)) > built);
}

function build() {
  const swc = path.join(root, 'node_modules', '.bin', 'swc');
  const result = spawnSync(
    swc,
    [
      'apps',
      'libs',
      '-d',
      'dist',
      '--copy-files',
      '--quiet',
      '--ignore',
      '**/*.spec.ts,**/*.e2e-spec.ts,**/test/**',
    ],
    { cwd: root, stdio: 'inherit' },
  );
  if (result.status !== 0) throw new Error('build failed');
  fs.writeFileSync(stamp, new Date().toISOString());
}

function buildIfStale() {
  if (isStale()) build();
}

module.exports = { build, buildIfStale };

if (require.main === module) {
  try {
    build();
  } catch (error) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}
