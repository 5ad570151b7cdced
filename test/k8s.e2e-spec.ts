import { parseConfig } from '@app/config';
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { APP_SCHEMAS } from './support/config-schemas';

// No cluster here: the manifests are checked statically against the apps' config schemas,
// so a variable, port or probe the app would not understand fails here, not in a rollout.

const K8S = resolve(__dirname, '../deploy/k8s');

interface Resource {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

interface Probe {
  httpGet?: { path: string; port: string | number };
}

interface Container {
  name: string;
  image: string;
  ports?: Array<{ name?: string; containerPort: number }>;
  env?: Array<{
    name: string;
    value?: string;
    valueFrom?: { secretKeyRef?: { name: string; key: string }; configMapKeyRef?: never };
  }>;
  envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  lifecycle?: { preStop?: { exec?: { command: string[] }; sleep?: { seconds: number } } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}

interface Deployment extends Resource {
  spec: {
    replicas: number;
    selector: { matchLabels: Record<string, string> };
    template: {
      metadata: { labels: Record<string, string> };
      spec: { terminationGracePeriodSeconds: number; containers: Container[] };
    };
  };
}

interface Service extends Resource {
  spec: {
    type?: string;
    externalName?: string;
    selector?: Record<string, string>;
    ports: Array<{ name?: string; port: number; targetPort?: string | number }>;
  };
}

function load(): Resource[] {
  return readdirSync(K8S)
    .filter((file) => file.endsWith('.yaml') && file !== 'kustomization.yaml')
    .flatMap((file) =>
      parseAllDocuments(readFileSync(resolve(K8S, file), 'utf8')).map((doc) => {
        if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0].message}`);
        return doc.toJS() as Resource;
      }),
    )
    .filter((resource) => resource !== null);
}

const resources = load();
const ofKind = <T extends Resource>(kind: string) =>
  resources.filter((r) => r.kind === kind) as T[];
const byName = <T extends Resource>(kind: string, name: string): T => {
  const found = ofKind<T>(kind).find((r) => r.metadata.name === name);
  if (!found) throw new Error(`no ${kind} named ${name}`);
  return found;
};
const configMapData = (name: string) =>
  byName<Resource & { data: Record<string, string> }>('ConfigMap', name).data;
const secretData = (name: string) =>
  byName<Resource & { stringData: Record<string, string> }>('Secret', name).stringData;

/** Every variable a container gets, with its value, the way the kubelet builds the env. */
function containerEnv(container: Container): Record<string, string> {
  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef) Object.assign(env, configMapData(source.configMapRef.name));
    if (source.secretRef) Object.assign(env, secretData(source.secretRef.name));
  }
  for (const entry of container.env ?? []) {
    const ref = entry.valueFrom?.secretKeyRef;
    if (ref) {
      const data = secretData(ref.name);
      expect(Object.keys(data)).toContain(ref.key);
      env[entry.name] = data[ref.key];
    } else {
      env[entry.name] = entry.value ?? '';
    }
  }
  return env;
}

const portDefault = (schema: (typeof APP_SCHEMAS)[number]['schema']) =>
  (schema.shape.PORT as unknown as { parse(value: unknown): number }).parse(undefined);

describe('deploy/k8s manifests', () => {
  it('has one Deployment and one Service per app, and Redis as an external service', () => {
    expect(
      ofKind('Deployment')
        .map((d) => d.metadata.name)
        .sort(),
    ).toEqual(APP_SCHEMAS.map((a) => a.name).sort());
    for (const { name } of APP_SCHEMAS) {
      const service = byName<Service>('Service', name);
      const deployment = byName<Deployment>('Deployment', name);
      expect(deployment.spec.template.metadata.labels).toMatchObject(service.spec.selector ?? {});
      expect(deployment.spec.template.metadata.labels).toMatchObject(
        deployment.spec.selector.matchLabels,
      );
    }
    const redis = byName<Service>('Service', 'redis');
    expect(redis.spec.selector).toBeUndefined();
    expect(redis.spec.ports[0].port).toBe(6379);
  });

  describe.each(APP_SCHEMAS)('$name', ({ name, schema }) => {
    const deployment = byName<Deployment>('Deployment', name);
    const [container] = deployment.spec.template.spec.containers;

    it('sets only variables its config schema knows, with values it accepts', () => {
      const env = containerEnv(container);
      const unknown = Object.keys(env).filter((key) => !(key in schema.shape));
      expect(unknown).toEqual([]);
      expect(() => parseConfig(schema, env)).not.toThrow();
    });

    it('listens on the PORT default of its schema, and the Service routes there', () => {
      const port = portDefault(schema);
      expect(container.ports).toEqual([{ name: 'http', containerPort: port }]);
      expect(containerEnv(container).PORT).toBeUndefined();
      const service = byName<Service>('Service', name);
      expect(service.spec.ports).toEqual([{ name: 'http', port, targetPort: 'http' }]);
    });

    it('probes readiness on /health and liveness on /health/live', () => {
      expect(container.readinessProbe?.httpGet).toEqual({ path: '/health', port: 'http' });
      expect(container.livenessProbe?.httpGet).toEqual({ path: '/health/live', port: 'http' });
    });

    it('gives the drain time: grace period > preStop sleep + SHUTDOWN_TIMEOUT_MS', () => {
      const { SHUTDOWN_TIMEOUT_MS } = parseConfig(schema, containerEnv(container)) as {
        SHUTDOWN_TIMEOUT_MS: number;
      };
      const command = container.lifecycle?.preStop?.exec?.command ?? [];
      expect(command[0]).toBe('sleep');
      const preStopMs = Number(command[1]) * 1000;
      expect(preStopMs).toBeGreaterThan(0);
      expect(deployment.spec.template.spec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(
        preStopMs + SHUTDOWN_TIMEOUT_MS,
      );
    });

    it('declares resource requests and limits', () => {
      expect(container.resources?.requests).toEqual({
        cpu: expect.any(String) as unknown,
        memory: expect.any(String) as unknown,
      });
      expect(container.resources?.limits).toEqual({
        cpu: expect.any(String) as unknown,
        memory: expect.any(String) as unknown,
      });
    });
  });

  it('points the gateway at the other apps through their Services', () => {
    const env = containerEnv(
      byName<Deployment>('Deployment', 'gateway').spec.template.spec.containers[0],
    );
    for (const [variable, app] of [
      ['USERS_URL', 'users'],
      ['FREE_PROVIDER_URL', 'free-provider'],
      ['PAID_PROVIDER_URL', 'paid-provider'],
    ] as const) {
      const url = new URL(env[variable]);
      expect(url.hostname).toBe(app);
      expect(Number(url.port)).toBe(byName<Service>('Service', app).spec.ports[0].port);
    }
    expect(new URL(env.REDIS_URL).hostname).toBe('redis');
  });

  it('gives the gateway and the free provider one quota, and the gateway the paid key', () => {
    const envOf = (name: string) =>
      containerEnv(byName<Deployment>('Deployment', name).spec.template.spec.containers[0]);
    const gateway = envOf('gateway');
    const free = envOf('free-provider');
    expect(gateway.FREE_QUOTA_LIMIT).toBe(free.FREE_QUOTA_LIMIT);
    expect(gateway.FREE_QUOTA_WINDOW_MS).toBe(free.FREE_QUOTA_WINDOW_MS);
    expect(gateway.PAID_PROVIDER_API_KEY).toBe(envOf('paid-provider').PAID_PROVIDER_API_KEY);
  });

  it('autoscales the gateway and keeps one available through disruptions', () => {
    const hpa = byName<Resource & { spec: Record<string, unknown> }>(
      'HorizontalPodAutoscaler',
      'gateway',
    );
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec.scaleTargetRef).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'gateway',
    });
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    const pdb = byName<Resource & { spec: { selector: { matchLabels: Record<string, string> } } }>(
      'PodDisruptionBudget',
      'gateway',
    );
    expect(pdb.apiVersion).toBe('policy/v1');
    expect(byName<Deployment>('Deployment', 'gateway').spec.template.metadata.labels).toMatchObject(
      pdb.spec.selector.matchLabels,
    );
  });

  it('keeps secrets in the Secret, never in a ConfigMap or a literal value', () => {
    const secretNames = ['PAID_PROVIDER_API_KEY', 'ADMIN_PASSWORD', 'JWT_PRIVATE_KEY'];
    expect(Object.keys(secretData('spillway-secrets')).sort()).toEqual([...secretNames].sort());
    for (const map of ofKind<Resource & { data: Record<string, string> }>('ConfigMap')) {
      expect(Object.keys(map.data).filter((key) => secretNames.includes(key))).toEqual([]);
    }
    for (const deployment of ofKind<Deployment>('Deployment')) {
      for (const entry of deployment.spec.template.spec.containers[0].env ?? []) {
        if (secretNames.includes(entry.name)) expect(entry.valueFrom?.secretKeyRef).toBeDefined();
      }
    }
  });
});
