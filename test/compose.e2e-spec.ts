import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, resolve } from 'node:path';
import { ConfigValidationError, parseConfig } from '@app/config';
import { nodeFlags } from '@app/testing';
import { parse } from 'yaml';
import { APP_SCHEMAS, type AppSchema } from './support/config-schemas';

// Docker cannot run on the development machine, so docker-compose.yml and the Dockerfile are
// checked statically against the apps' config schemas: a variable, port or URL the app would
// not understand fails here instead of in someone's `docker compose up`.

const ROOT = resolve(__dirname, '..');

type EnvMap = Record<string, string | number | boolean | null>;
type PortEntry = string | number | { target: number; published?: string | number };

interface ComposeService {
  image?: string;
  build?: string | { context?: string; dockerfile?: string; args?: Record<string, string> };
  command?: string | string[];
  environment?: EnvMap | string[];
  ports?: PortEntry[];
  expose?: (string | number)[];
  volumes?: (string | { type?: string; source?: string; target?: string })[];
  healthcheck?: { test?: unknown; disable?: boolean };
  depends_on?: string[] | Record<string, { condition?: string }>;
  container_name?: string;
}

interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

/** Variables two apps must see with the same value, or they disagree about shared state. */
const MUST_AGREE = [
  'REDIS_URL',
  'REDIS_KEY_PREFIX',
  'JWT_ISSUER',
  'JWT_AUDIENCE',
  'FREE_QUOTA_LIMIT',
  'FREE_QUOTA_WINDOW_MS',
  'PAID_PROVIDER_API_KEY',
];

function readCompose(): ComposeFile {
  return parse(readFileSync(resolve(ROOT, 'docker-compose.yml'), 'utf8'), {
    merge: true,
  }) as ComposeFile;
}

/** `${VAR:-default}` and friends, resolved as compose does when neither shell nor .env sets VAR. */
function interpolate(value: string): string {
  return value.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (match, _name: string, operator?: string, word?: string) => {
      if (match === '$$') return '$';
      if (operator === ':-' || operator === '-') return word ?? '';
      if (operator === ':?' || operator === '?') throw new Error(`${match} requires a value`);
      return '';
    },
  );
}

function environmentOf(service: ComposeService): Record<string, string> {
  const env: Record<string, string> = {};
  const entries = Array.isArray(service.environment)
    ? service.environment.map((line) => {
        const eq = line.indexOf('=');
        return eq < 0 ? [line, null] : [line.slice(0, eq), line.slice(eq + 1)];
      })
    : Object.entries(service.environment ?? {});
  // A variable without a value is passed through from the shell: unset when the shell has none.
  for (const [key, value] of entries)
    if (key !== null && value !== null) env[String(key)] = interpolate(String(value));
  return env;
}

function rawEnvironmentValue(service: ComposeService, key: string): string | undefined {
  const env = service.environment;
  if (Array.isArray(env)) return env.find((line) => line.split('=')[0] === key);
  const value = env?.[key];
  return value === undefined || value === null ? undefined : String(value);
}

interface PublishedPort {
  host: string;
  container: number;
  text: string;
}

/** Short syntax `[ip:][host:]container[/proto]` or the long syntax. */
function portsOf(service: ComposeService): PublishedPort[] {
  const published = (service.ports ?? []).map((entry): PublishedPort => {
    if (typeof entry === 'object')
      return {
        host: interpolate(String(entry.published ?? '')),
        container: Number(entry.target),
        text: JSON.stringify(entry),
      };
    const text = interpolate(String(entry)).replace(/\/(tcp|udp)$/, '');
    const parts = text.split(':');
    const container = Number(parts.pop());
    return { host: parts.length > 0 ? (parts.pop() ?? '') : '', container, text: String(entry) };
  });
  const exposed = (service.expose ?? []).map((entry) => ({
    host: '',
    container: Number(String(entry).replace(/\/(tcp|udp)$/, '')),
    text: String(entry),
  }));
  return [...published, ...exposed];
}

function dependenciesOf(service: ComposeService): Record<string, string | undefined> {
  const deps = service.depends_on ?? {};
  if (Array.isArray(deps)) return Object.fromEntries(deps.map((name) => [name, undefined]));
  return Object.fromEntries(Object.entries(deps).map(([name, dep]) => [name, dep?.condition]));
}

function appOf(service: ComposeService): AppSchema | undefined {
  const build = service.build;
  if (typeof build !== 'object') return undefined;
  return APP_SCHEMAS.find((app) => app.name === build.args?.APP);
}

const envName = (app: string) => `${app.toUpperCase().replace(/-/g, '_')}_URL`;

/** Everything wrong with a compose file; empty when it is right. */
function composeProblems(compose: ComposeFile, dockerfileHasHealthcheck: boolean): string[] {
  const problems: string[] = [];
  const services = compose.services ?? {};
  const configs = new Map<string, Record<string, unknown>>();
  const hostPorts = new Map<string, string>();

  // Every app's config first, so a URL can be checked against the PORT of the app it names.
  for (const [name, service] of Object.entries(services)) {
    const app = appOf(service);
    if (!app) continue;
    try {
      configs.set(name, parseConfig(app.schema, environmentOf(service)));
    } catch (error) {
      if (!(error instanceof ConfigValidationError)) throw error;
      problems.push(`${name}: ${error.message}`);
    }
  }

  for (const [name, service] of Object.entries(services)) {
    for (const port of portsOf(service)) {
      if (!/^\d+$/.test(port.host)) continue;
      const other = hostPorts.get(port.host);
      if (other) problems.push(`${name} and ${other} both publish host port ${port.host}`);
      hostPorts.set(port.host, name);
    }
    if (service.healthcheck?.disable) problems.push(`${name}: healthcheck is disabled`);
    const dependencies = dependenciesOf(service);
    for (const [dependency, condition] of Object.entries(dependencies)) {
      if (!services[dependency]) problems.push(`${name}: depends on unknown ${dependency}`);
      if (condition !== 'service_healthy')
        problems.push(`${name}: depends_on ${dependency} needs condition: service_healthy`);
    }
    if (service.build === undefined) {
      if (!service.healthcheck?.test) problems.push(`${name}: no healthcheck`);
      continue;
    }

    const app = appOf(service);
    const build = typeof service.build === 'object' ? service.build : { context: service.build };
    if (!app) {
      problems.push(`${name}: build arg APP=${build.args?.APP} is not an app`);
      continue;
    }
    if ((build.context ?? '.') !== '.' || (build.dockerfile ?? 'Dockerfile') !== 'Dockerfile')
      problems.push(`${name}: must build the one Dockerfile at the repository root`);
    if (!service.healthcheck?.test && !dockerfileHasHealthcheck)
      problems.push(`${name}: no healthcheck in compose or the Dockerfile`);

    const env = environmentOf(service);
    const known = Object.keys(app.schema.shape);
    for (const key of Object.keys(env))
      if (!known.includes(key))
        problems.push(`${name}: ${key} is not a variable of the ${app.name} config schema`);
    const config = configs.get(name);
    if (!config) continue;
    if (config.HOST !== '0.0.0.0') problems.push(`${name}: HOST must be 0.0.0.0 in a container`);

    const ports = portsOf(service);
    if (ports.length === 0) problems.push(`${name}: exposes no port`);
    for (const port of ports)
      if (port.container !== config.PORT)
        problems.push(`${name}: port ${port.text} does not reach PORT ${String(config.PORT)}`);
    if (app.name === 'gateway') {
      if (service.container_name) problems.push(`${name}: container_name prevents --scale`);
      for (const port of ports)
        if (/^\d+$/.test(port.host))
          problems.push(`${name}: fixed host port ${port.text} clashes under --scale`);
    }

    // Inside a container 127.0.0.1 is the container itself: every URL must name a service.
    for (const key of known.filter((k) => k.endsWith('_URL'))) {
      const url = new URL(String(config[key]));
      const target = services[url.hostname];
      if (!target) {
        problems.push(`${name}: ${key}=${url.href} does not name a compose service`);
        continue;
      }
      if (!(url.hostname in dependencies))
        problems.push(`${name}: must depend on ${url.hostname} (${key})`);
      if (key === 'REDIS_URL') {
        if (!target.image?.startsWith('redis:')) problems.push(`${name}: ${key} is not Redis`);
        continue;
      }
      const targetApp = appOf(target);
      if (!targetApp || envName(targetApp.name) !== key)
        problems.push(`${name}: ${key} points at ${url.hostname}, which is not that app`);
      else if (Number(url.port) !== configs.get(url.hostname)?.PORT)
        problems.push(`${name}: ${key} port ${url.port} is not ${url.hostname}'s PORT`);
    }
  }

  for (const key of MUST_AGREE) {
    const readers = Object.entries(services).filter(([, s]) => appOf(s)?.schema.shape[key]);
    const raw = new Set(readers.map(([, s]) => rawEnvironmentValue(s, key)));
    const resolved = new Set(readers.map(([n]) => JSON.stringify(configs.get(n)?.[key])));
    if (raw.size > 1 || resolved.size > 1)
      problems.push(`${key} must be set the same way for ${readers.map(([n]) => n).join(', ')}`);
  }

  for (const app of APP_SCHEMAS)
    if (!Object.values(services).some((service) => appOf(service) === app))
      problems.push(`no service runs ${app.name}`);

  const redis = Object.entries(services).filter(([, s]) => /^redis:7(\.|-|$)/.test(s.image ?? ''));
  if (redis.length !== 1) problems.push('expected one redis:7 service');
  for (const [name, service] of redis) {
    const command = [service.command ?? []].flat().join(' ');
    if (!/--appendonly yes/.test(command)) problems.push(`${name}: AOF is off (--appendonly yes)`);
    const data = (service.volumes ?? []).find((v) =>
      typeof v === 'string' ? v.split(':')[1] === '/data' : v.target === '/data',
    );
    const source = typeof data === 'string' ? data.split(':')[0] : data?.source;
    if (!source || !(source in (compose.volumes ?? {})))
      problems.push(`${name}: /data must be a named volume`);
  }
  return problems;
}

function balancerProblems(compose: ComposeFile): string[] {
  const problems: string[] = [];
  const gatewayEntry = Object.entries(compose.services).find(
    ([, s]) => appOf(s)?.name === 'gateway',
  );
  for (const [name, service] of Object.entries(compose.services)) {
    if (!service.image?.startsWith('nginx')) continue;
    const mount = (service.volumes ?? []).find(
      (v): v is string => typeof v === 'string' && v.includes('nginx.conf'),
    );
    const file = mount && resolve(ROOT, mount.split(':')[0]);
    if (!file || !existsSync(file)) {
      problems.push(`${name}: mounts no nginx.conf from the repository`);
      continue;
    }
    const conf = readFileSync(file, 'utf8');
    const [gatewayName, gateway] = gatewayEntry ?? [];
    const gatewayPort = gateway && portsOf(gateway)[0]?.container;
    if (!conf.includes(`http://${gatewayName}:${gatewayPort}`))
      problems.push(`${name}: does not proxy to ${gatewayName}:${gatewayPort}`);
    if (!/resolver 127\.0\.0\.11/.test(conf) || !/proxy_pass \$\w+;/.test(conf))
      problems.push(`${name}: must re-resolve the gateway through Docker DNS to see new replicas`);
    const listen = /listen (\d+);/.exec(conf)?.[1];
    if (!portsOf(service).some((port) => String(port.container) === listen))
      problems.push(`${name}: publishes no port nginx listens on (${listen})`);
    if (!(gatewayName && gatewayName in dependenciesOf(service)))
      problems.push(`${name}: must depend on the gateway`);
  }
  return problems;
}

interface Stage {
  from: string;
  name?: string;
  instructions: { keyword: string; args: string }[];
}

/** Instructions grouped by stage, with `\` continuations joined and comments dropped. */
function parseDockerfile(text: string): { globalArgs: string[]; stages: Stage[] } {
  const lines = text.replace(/\\\n/g, ' ').split('\n');
  const globalArgs: string[] = [];
  const stages: Stage[] = [];
  for (const line of lines.map((l) => l.trim())) {
    if (line === '' || line.startsWith('#')) continue;
    const [, keyword = '', args = ''] = /^(\w+)\s+(.*)$/.exec(line) ?? [];
    const upper = keyword.toUpperCase();
    if (upper === 'FROM') {
      const [from = '', , name] = args.split(/\s+/);
      stages.push({ from, name, instructions: [] });
    } else if (stages.length === 0) {
      if (upper === 'ARG') globalArgs.push(args.split('=')[0]);
    } else {
      stages[stages.length - 1].instructions.push({ keyword: upper, args });
    }
  }
  return { globalArgs, stages };
}

/** The stage and its ancestors inside the Dockerfile, nearest first. */
function lineage(stages: Stage[], stage: Stage): Stage[] {
  const parent = stages.find((s) => s.name === stage.from);
  return parent ? [stage, ...lineage(stages, parent)] : [stage];
}

function dockerfileProblems(text: string): string[] {
  const problems: string[] = [];
  const { globalArgs, stages } = parseDockerfile(text);
  const all = (keyword: string, within = stages) =>
    within.flatMap((s) => s.instructions.filter((i) => i.keyword === keyword).map((i) => i.args));
  if (stages.length < 2) problems.push('not a multi-stage build');
  if (!globalArgs.includes('APP')) problems.push('no ARG APP before the first FROM');
  const finalStage = stages[stages.length - 1];
  if (finalStage?.from !== 'app-${APP}') problems.push('the image is not the stage APP names');
  const runs = all('RUN').join('\n');
  for (const step of ['npm ci', 'npm run build', 'npm prune --omit=dev'])
    if (!runs.includes(step)) problems.push(`the build never runs ${step}`);

  for (const app of APP_SCHEMAS) {
    const stage = stages.find((s) => s.name === `app-${app.name}`);
    if (!stage) {
      problems.push(`no stage app-${app.name}`);
      continue;
    }
    const chain = lineage(stages, stage);
    const port = String(parseConfig(app.schema, {}).PORT);
    const env = all('ENV', chain).join(' ');
    if (!all('EXPOSE', [stage]).includes(port)) problems.push(`app-${app.name}: EXPOSE ${port}`);
    if (!env.includes(`PORT=${port}`)) problems.push(`app-${app.name}: ENV PORT=${port}`);
    for (const setting of ['NODE_ENV=production', 'HOST=0.0.0.0'])
      if (!env.includes(setting)) problems.push(`app-${app.name}: ENV ${setting}`);
    const main = `dist/apps/${app.name}/src/main.js`;
    const command = JSON.stringify(['node', ...nodeFlags(app.name), main]);
    if (!all('CMD', [stage]).some((cmd) => cmd.includes(`"${main}"`)))
      problems.push(`app-${app.name}: CMD does not run ${main}`);
    else if (!all('CMD', [stage]).some((cmd) => JSON.stringify(JSON.parse(cmd)) === command))
      problems.push(`app-${app.name}: CMD is not ${command} (apps/node-flags.json)`);
    else if (!existsSync(resolve(ROOT, main))) problems.push(`${main} is not what the build emits`);
    const user = all('USER', chain)[0];
    if (!user || /^(root|0)(:|$)/.test(user)) problems.push(`app-${app.name}: runs as root`);
    if (!all('HEALTHCHECK', chain).some((h) => h.includes('/health')))
      problems.push(`app-${app.name}: no HEALTHCHECK on /health`);
    if (!all('STOPSIGNAL', chain).includes('SIGTERM'))
      problems.push(`app-${app.name}: STOPSIGNAL SIGTERM`);
  }
  for (const stage of stages.filter((s) => s.name?.startsWith('app-')))
    if (!APP_SCHEMAS.some((app) => stage.name === `app-${app.name}`))
      problems.push(`stage ${stage.name} names no app`);
  return problems;
}

function jsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? jsFiles(join(dir, entry.name))
      : entry.name.endsWith('.js')
        ? [join(dir, entry.name)]
        : [],
  );
}

describe('docker-compose.yml', () => {
  const dockerfile = readFileSync(resolve(ROOT, 'Dockerfile'), 'utf8');
  const hasHealthcheck = /^HEALTHCHECK\s/m.test(dockerfile);

  it('runs every app with variables, ports and URLs its config schema accepts', () => {
    expect(composeProblems(readCompose(), hasHealthcheck)).toEqual([]);
  });

  it('puts the scalable gateway behind a load balancer that finds new replicas', () => {
    expect(balancerProblems(readCompose())).toEqual([]);
  });

  // The checks above must be able to fail: each broken copy has to be reported.
  it.each<[string, (compose: ComposeFile) => void, RegExp]>([
    [
      'an unknown variable',
      (c) => ((c.services.gateway.environment as EnvMap).FREE_QUOTA = '5'),
      /FREE_QUOTA is not a variable of the gateway/,
    ],
    [
      'an invalid value',
      (c) => ((c.services.users.environment as EnvMap).JWT_ACCESS_TTL_S = 'soon'),
      /JWT_ACCESS_TTL_S must be an integer/,
    ],
    [
      'a fixed gateway host port',
      (c) => (c.services.gateway.ports = ['3000:3000']),
      /fixed host port 3000:3000/,
    ],
    [
      'a port the app does not listen on',
      (c) => (c.services.users.ports = ['127.0.0.1:3001:3005']),
      /does not reach PORT 3001/,
    ],
    [
      'a URL left at its localhost default',
      (c) => delete (c.services.gateway.environment as EnvMap).USERS_URL,
      /USERS_URL=http:\/\/127\.0\.0\.1:3001\/ does not name a compose service/,
    ],
    [
      'quota values the gateway and provider disagree on',
      (c) => ((c.services['free-provider'].environment as EnvMap).FREE_QUOTA_LIMIT = '20'),
      /FREE_QUOTA_LIMIT must be set the same way/,
    ],
    ['Redis without AOF', (c) => (c.services.redis.command = 'redis-server'), /AOF is off/],
    [
      'an unknown app',
      (c) => ((c.services.users.build as { args: Record<string, string> }).args.APP = 'nope'),
      /APP=nope is not an app/,
    ],
  ])('reports %s', (_case, breakIt, problem) => {
    const compose = readCompose();
    breakIt(compose);
    expect(composeProblems(compose, hasHealthcheck).join('\n')).toMatch(problem);
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(resolve(ROOT, 'Dockerfile'), 'utf8');

  it('builds every app in stages, runs it unprivileged on its schema port, checks /health', () => {
    expect(dockerfileProblems(dockerfile)).toEqual([]);
  });

  it('reports a stage whose V8 flags are not those of apps/node-flags.json', () => {
    const broken = dockerfile.replace('"--single-threaded-gc", ', '');
    expect(dockerfileProblems(broken).join('\n')).toMatch(/app-gateway: CMD is not/);
  });

  it('reports a stage whose port disagrees with the schema', () => {
    const broken = dockerfile.replace('EXPOSE 3001', 'EXPOSE 3005');
    expect(dockerfileProblems(broken)).toContain('app-users: EXPOSE 3001');
  });

  // The runtime stage keeps only production dependencies (`npm prune --omit=dev`).
  it('ships every package the built apps require', () => {
    const pkg = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    // swc never deletes from dist/, so skip output whose source is gone; libs/testing is test-only.
    const files = [...jsFiles(resolve(ROOT, 'dist/apps')), ...jsFiles(resolve(ROOT, 'dist/libs'))]
      .filter((file) => !file.includes('/dist/libs/testing/'))
      .filter((file) => existsSync(file.replace('/dist/', '/').replace(/\.js$/, '.ts')));
    expect(files.length).toBeGreaterThan(10);
    const missing = new Set<string>();
    for (const file of files) {
      for (const [, specifier] of readFileSync(file, 'utf8').matchAll(/require\("([^"]+)"\)/g)) {
        if (specifier.startsWith('.') || specifier.startsWith('node:')) continue;
        const parts = specifier.split('/');
        const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
        if (!builtinModules.includes(name) && !(name in pkg.dependencies))
          missing.add(`${name} (${file.slice(ROOT.length + 1)})`);
      }
    }
    expect([...missing]).toEqual([]);
  });
});
