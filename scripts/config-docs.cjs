'use strict';
// `npm run docs:config`: rewrites README's configuration table and .env.example from the apps'
// config schemas, so the docs cannot drift from the code (test/config-docs.e2e-spec.ts fails
// when they do). Plain JS, so it reads the schemas from the build in dist/.
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const README = path.join(root, 'README.md');
const ENV_EXAMPLE = path.join(root, '.env.example');
const TABLE_START = '<!-- config-table:start -->';
const TABLE_END = '<!-- config-table:end -->';

/** Every app and the export of its config schema, in the order the docs list them. */
const APPS = [
  { name: 'gateway', exportName: 'gatewayConfigSchema' },
  { name: 'users', exportName: 'usersConfigSchema' },
  { name: 'free-provider', exportName: 'freeProviderConfigSchema' },
  { name: 'paid-provider', exportName: 'paidProviderConfigSchema' },
];

const configFile = (app) => `apps/${app}/src/${app}.config`;

/** The schemas as built in dist/ (call build.cjs's buildIfStale() first). */
function loadBuiltSchemas() {
  return APPS.map(({ name, exportName }) => {
    const schema = require(path.join(root, 'dist', `${configFile(name)}.js`))[exportName];
    if (!schema) throw new Error(`${configFile(name)}.ts does not export ${exportName}`);
    return { name, schema };
  });
}

function describeSchema(schema) {
  return require(path.join(root, 'dist/libs/config/src/describe-schema.js')).describeSchema(schema);
}

/** What a variable accepts and whether it has a default, read from the zod field. */
function inspectField(field) {
  let type = field;
  let hasDefault = false;
  let optional = false;
  for (;;) {
    const kind = type.def.type;
    if (kind === 'default') hasDefault = true;
    else if (kind === 'optional') optional = true;
    else if (kind !== 'pipe') break;
    type = kind === 'pipe' ? type.def.in : type.def.innerType;
  }
  let accepts = '';
  if (type.def.type === 'enum') {
    const values = type.options;
    accepts = values.includes('true') && values.includes('false') ? 'true or false' : '';
    if (!accepts) accepts = `one of ${values.join(', ')}`;
  } else if (type.def.type === 'number' && type.isInt) {
    accepts = `integer ${type.minValue}–${type.maxValue}`;
  } else if (type.def.type === 'string' && type.def.format === 'url') {
    accepts = 'URL';
  }
  return { hasDefault, optional: optional && !hasDefault, accepts };
}

/**
 * One entry per distinct variable meaning: a name read by several apps with the same default
 * and description is one entry listing those apps; PORT, whose default differs, is one per app.
 */
function collectVariables(apps) {
  const entries = [];
  for (const { name: app, schema } of apps) {
    for (const doc of describeSchema(schema)) {
      const info = inspectField(schema.shape[doc.name]);
      const found = entries.find(
        (e) =>
          e.name === doc.name && e.default === doc.default && e.description === doc.description,
      );
      if (found) found.apps.push(app);
      else entries.push({ ...doc, ...info, apps: [app] });
    }
  }
  // Keep entries of one name together, in the order names first appear.
  const order = [...new Set(entries.map((e) => e.name))];
  return entries.sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
}

function sentence(text) {
  return text === '' || /[.!?]$/.test(text) ? text : `${text}.`;
}

/** The README table: variable | apps | default | description. */
function renderTable(apps) {
  const rows = collectVariables(apps).map((v) => {
    const shown = v.optional ? 'unset' : v.default === '' ? 'empty' : `\`${v.default}\``;
    const description = [sentence(v.description), tableAccepts(v.accepts)].filter(Boolean);
    const readBy = v.apps.length === apps.length ? 'all' : v.apps.join(', ');
    return `| \`${v.name}\` | ${readBy} | ${cell(shown)} | ${cell(description.join(' '))} |`;
  });
  const header = ['| Variable | Apps | Default | Description |', '| --- | --- | --- | --- |'];
  return [...header, ...rows].join('\n');
}

/** Ranges and choices help in the table; "URL" next to "Base URL of ..." does not. */
function tableAccepts(accepts) {
  if (accepts.startsWith('one of ')) {
    const values = accepts.slice('one of '.length).split(', ');
    return `One of ${values.map((value) => `\`${value}\``).join(', ')}.`;
  }
  if (accepts.startsWith('integer ')) return `Integer ${accepts.slice('integer '.length)}.`;
  return accepts === 'true or false' ? 'True or false.' : '';
}

const cell = (text) => text.replace(/\|/g, '\\|');

/** .env.example: variables every app reads first, then each app's own, all commented out. */
function renderEnvExample(apps) {
  const variables = collectVariables(apps);
  const everyApp = variables.filter((v) => v.apps.length === apps.length);
  const lines = [
    '# Spillway: every environment variable of every app, with its default.',
    '# Generated from the config schemas by `npm run docs:config`; do not edit by hand.',
    '#',
    '# Nothing needs setting: each commented line shows the default the app uses when the',
    '# variable is unset or empty. An app reads only the variables of its own schema, and a',
    '# name read by several apps means the same in each. The apps read the process',
    '# environment, not this file: `npm start` passes its environment to all four apps',
    '# (and sets PORT and REDIS_URL itself), and docker compose reads a `.env` next to',
    '# docker-compose.yml for the ${VARIABLES} that file passes on.',
  ];
  const block = (title, list) => {
    lines.push('', `# ---- ${title} ----`);
    for (const v of list) {
      lines.push('');
      if (v.description) lines.push(`# ${sentence(v.description)}`);
      if (v.accepts) lines.push(`# Accepts: ${v.accepts}.`);
      if (v.apps.length > 1 && v.apps.length < apps.length)
        lines.push(`# Read by: ${v.apps.join(', ')}.`);
      lines.push(`# ${v.name}=${v.optional ? '' : v.default}`);
    }
  };
  block('every app', everyApp);
  for (const { name } of apps) {
    block(
      `${name} (${configFile(name)}.ts)`,
      variables.filter((v) => v.apps.includes(name) && !everyApp.includes(v)),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** README with the table between the markers replaced, formatted as `npm run check` expects. */
async function renderReadme(readme, apps) {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start)
    throw new Error(`README.md needs the markers ${TABLE_START} and ${TABLE_END}`);
  const spliced = `${readme.slice(0, start + TABLE_START.length)}\n\n${renderTable(apps)}\n\n${readme.slice(end)}`;
  const prettier = require('prettier');
  const options = (await prettier.resolveConfig(README)) ?? {};
  return prettier.format(spliced, { ...options, filepath: README });
}

/** Where two texts first differ, for a message a developer can act on. */
function firstDifference(actual, expected) {
  const a = actual.split('\n');
  const e = expected.split('\n');
  const line = a.findIndex((text, i) => text !== e[i]);
  const at = line < 0 ? a.length : line;
  return `line ${at + 1}: has ${JSON.stringify(a[at] ?? '')}, generated ${JSON.stringify(e[at] ?? '')}`;
}

/** Writes README.md and .env.example; with --check, only reports what is stale (exit 1). */
async function main(check) {
  require('./build.cjs').buildIfStale();
  const apps = loadBuiltSchemas();
  const readme = fs.readFileSync(README, 'utf8');
  const envExample = fs.existsSync(ENV_EXAMPLE) ? fs.readFileSync(ENV_EXAMPLE, 'utf8') : '';
  const files = [
    { path: README, actual: readme, expected: await renderReadme(readme, apps) },
    { path: ENV_EXAMPLE, actual: envExample, expected: renderEnvExample(apps) },
  ].filter((file) => file.actual !== file.expected);
  for (const file of files) {
    const name = path.relative(root, file.path);
    if (check) console.log(`${name} is stale, ${firstDifference(file.actual, file.expected)}`);
    else {
      fs.writeFileSync(file.path, file.expected);
      console.log(`updated ${name}`);
    }
  }
  if (files.length === 0) console.log('config docs up to date');
  else if (check) {
    console.log('Run `npm run docs:config` and commit the result.');
    process.exitCode = 1;
  }
}

module.exports = { APPS, loadBuiltSchemas, renderTable, renderEnvExample, renderReadme };

if (require.main === module) {
  main(process.argv.includes('--check')).catch((error) => {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  });
}
