import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { APP_SCHEMAS, configDocs } from './support/config-schemas';

const ROOT = resolve(__dirname, '..');

// The README's configuration table and .env.example are generated from the config schemas;
// these tests keep them from drifting when a schema gains, loses or changes a variable.
describe('configuration docs', () => {
  it('README.md and .env.example are what `npm run docs:config` generates', () => {
    // A real process: the generator formats with Prettier, which Jest's module system cannot load.
    const run = spawnSync(process.execPath, ['scripts/config-docs.cjs', '--check'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect({ status: run.status, output: run.stdout + run.stderr }).toEqual({
      status: 0,
      output: 'config docs up to date\n',
    });
  });

  it('the generator covers every app', () => {
    expect(configDocs.APPS.map((app) => app.name)).toEqual(APP_SCHEMAS.map((app) => app.name));
  });

  it('lists every variable of every schema, with its default', () => {
    const table = configDocs.renderTable(APP_SCHEMAS);
    const env = configDocs.renderEnvExample(APP_SCHEMAS);
    for (const { schema } of APP_SCHEMAS) {
      for (const name of Object.keys(schema.shape)) {
        expect(table).toContain(`| \`${name}\` |`);
        expect(env).toMatch(new RegExp(`^# ${name}=`, 'm'));
      }
    }
    expect(table).toMatch(/^\| `PORT` \| users \| `3001` \|/m);
    expect(env).toMatch(/^# FREE_QUOTA_LIMIT=10$/m);
  });
});
