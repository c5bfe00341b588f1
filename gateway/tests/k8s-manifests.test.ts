import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { SUBGRAPHS, type SubgraphName } from '@mesh/mesh-runner';
import { readGatewayEnvironment, readSubgraphEnvironment } from './service-environment.js';

// deploy/k8s is the production topology. No cluster here, so two checks instead: kubeconform
// validates every manifest against the Kubernetes API's own schemas (strict: unknown fields
// fail), offline, with what scripts/setup-kubeconform.sh installed; and each service's settings
// are read by the service's own config readers, with ports, probes, Services and URLs agreeing.

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const manifestsDir = join(repoRoot, 'deploy/k8s');
const KUBERNETES_VERSION = '1.34.0';
const kubeconform = process.env['KUBECONFORM_BIN'] ?? join(repoRoot, '.tools/bin/kubeconform');
const schemasDir = join(repoRoot, `.tools/kubernetes-schemas/v${KUBERNETES_VERSION}`);

interface Container {
  name: string;
  image: string;
  ports?: { name?: string; containerPort: number }[];
  envFrom?: { configMapRef?: { name: string } }[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  readinessProbe?: { httpGet?: { path: string; port: number | string } };
  livenessProbe?: { httpGet?: { path: string; port: number | string } };
  command?: string[];
}
interface PodSpec {
  containers: Container[];
}
interface Resource {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: {
    replicas?: number;
    serviceName?: string;
    selector?: { matchLabels?: Record<string, string> } | Record<string, string>;
    template?: { metadata?: { labels?: Record<string, string> }; spec: PodSpec };
    ports?: { name?: string; port: number; targetPort?: number | string }[];
  };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  resources?: string[];
}

const files = readdirSync(manifestsDir)
  .filter((file) => file.endsWith('.yaml'))
  .sort();
const resources: Resource[] = files.flatMap((file) =>
  parseAllDocuments(readFileSync(join(manifestsDir, file), 'utf8')).map((document) => {
    assert.equal(document.errors.length, 0, `${file}: ${document.errors.join('; ')}`);
    return document.toJS() as Resource;
  }),
);
const named = (kind: string, name: string): Resource => {
  const found = resources.find((resource) => resource.kind === kind && resource.metadata.name === name);
  assert.ok(found, `deploy/k8s has a ${kind} ${name}`);
  return found;
};

/** A Deployment's container environment as Kubernetes would give it: ConfigMaps, then env, secrets resolved from the Secret. */
function environmentOf(container: Container): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef) Object.assign(environment, named('ConfigMap', source.configMapRef.name).data);
  }
  for (const variable of container.env ?? []) {
    const secret = variable.valueFrom?.secretKeyRef;
    const value = secret ? named('Secret', secret.name).stringData?.[secret.key] : variable.value;
    assert.ok(value !== undefined, `${container.name}: ${variable.name} has a value`);
    environment[variable.name] = value;
  }
  return environment;
}

/** The container port a probe or Service target names (a number, or a port's name). */
function portNumber(container: Container, port: number | string | undefined): number | undefined {
  return typeof port === 'number' ? port : container.ports?.find((candidate) => candidate.name === port)?.containerPort;
}

/** The one container of a Deployment, after checking its Service selects its pods and reaches `port`. */
function serviceContainer(name: SubgraphName | 'gateway'): { container: Container; replicas: number; servicePort: number } {
  const deployment = named('Deployment', name);
  const pod = deployment.spec?.template;
  const container = pod?.spec.containers[0];
  assert.ok(container && pod, `${name} has a container`);
  const selector = (deployment.spec?.selector as { matchLabels?: Record<string, string> }).matchLabels ?? {};
  for (const [key, value] of Object.entries(selector)) assert.equal(pod.metadata?.labels?.[key], value, `${name}'s selector matches its pods`);
  const service = named('Service', name);
  for (const [key, value] of Object.entries((service.spec?.selector as Record<string, string> | undefined) ?? {}))
    assert.equal(pod.metadata?.labels?.[key], value, `the ${name} Service selects its pods`);
  const servicePort = service.spec?.ports?.[0];
  assert.ok(servicePort, `the ${name} Service has a port`);
  return { container, replicas: deployment.spec?.replicas ?? 1, servicePort: servicePort.port };
}

function assertProbes(name: string, container: Container, listensOn: number): void {
  assert.equal(container.readinessProbe?.httpGet?.path, '/ready', `${name} is ready when its /ready says so`);
  assert.equal(container.livenessProbe?.httpGet?.path, '/health', `${name} is alive while its /health answers`);
  assert.equal(portNumber(container, container.readinessProbe?.httpGet?.port), listensOn, `${name}'s readiness probe asks the port it listens on`);
  assert.equal(portNumber(container, container.livenessProbe?.httpGet?.port), listensOn, `${name}'s liveness probe asks the port it listens on`);
  assert.deepEqual(
    container.ports?.map((port) => port.containerPort),
    [listensOn],
    `${name} exposes the port it listens on`,
  );
}

describe('the Kubernetes manifests (deploy/k8s)', () => {
  test('every manifest is valid against the Kubernetes schemas, strictly, and a broken one is refused', async () => {
    assert.ok(
      existsSync(kubeconform) && existsSync(join(schemasDir, '.complete')),
      `kubeconform and the Kubernetes ${KUBERNETES_VERSION} schemas are installed (bash scripts/setup.sh)`,
    );
    const run = promisify(execFile);
    const validate = (paths: string[]) =>
      run(kubeconform, [
        '-strict',
        '-summary',
        '-output',
        'json',
        '-kubernetes-version',
        KUBERNETES_VERSION,
        '-skip',
        'Kustomization',
        '-schema-location',
        `${schemasDir}/{{ .ResourceKind }}{{ .KindSuffix }}.json`,
        ...paths,
      ]);
    const { stdout } = await validate(files.map((file) => join(manifestsDir, file)));
    const summary = (JSON.parse(stdout) as { summary: { valid: number; invalid: number; errors: number; skipped: number } }).summary;
    const kustomizations = resources.filter((resource) => resource.kind === 'Kustomization').length;
    assert.deepEqual(summary, { valid: resources.length - kustomizations, invalid: 0, errors: 0, skipped: kustomizations });

    // The schemas are really applied: a field Kubernetes does not know fails (strict), as does a wrong type.
    const scratch = mkdtempSync(join(tmpdir(), 'k8s-manifests-'));
    try {
      const broken = readFileSync(join(manifestsDir, 'gateway.yaml'), 'utf8')
        .replace('replicas: 3', 'replicas: three')
        .replace('readinessProbe:', 'readinesProbe:');
      writeFileSync(join(scratch, 'broken.yaml'), broken);
      const refused = await validate([join(scratch, 'broken.yaml')]).then(
        () => undefined,
        (error: { stdout?: string }) => error.stdout ?? '',
      );
      assert.ok(refused !== undefined, 'a broken manifest is refused');
      assert.match(refused, /readinesProbe/);
      assert.match(refused, /replicas/);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  test('the kustomization applies every manifest of the folder', () => {
    const kustomization = resources.find((resource) => resource.kind === 'Kustomization');
    assert.deepEqual(
      [...(kustomization?.resources ?? [])].sort(),
      files.filter((file) => file !== 'kustomization.yaml'),
    );
    for (const resource of resources)
      if (resource.kind !== 'Kustomization' && resource.kind !== 'Namespace')
        assert.equal(resource.metadata.namespace, 'retail-mesh', `${resource.kind} ${resource.metadata.name} is in the mesh's namespace`);
  });

  test('NATS is a three-node JetStream cluster and MongoDB a three-member replica set, each a StatefulSet', () => {
    const nats = named('StatefulSet', 'nats');
    assert.equal(nats.spec?.replicas, 3);
    const conf = named('ConfigMap', 'nats-config').data?.['nats.conf'] ?? '';
    assert.match(conf, /jetstream\s*\{/);
    for (const ordinal of [0, 1, 2]) assert.ok(conf.includes(`nats://nats-${ordinal}.${nats.spec?.serviceName}:6222`), `nats-${ordinal} is a cluster route`);
    assert.deepEqual(
      named('Service', 'nats').spec?.ports?.map((port) => port.port),
      [4222],
    );

    const mongo = named('StatefulSet', 'mongo');
    assert.equal(mongo.spec?.replicas, 3);
    const args = (mongo.spec?.template?.spec.containers[0] as Container & { args?: string[] }).args ?? [];
    assert.equal(args[args.indexOf('--replSet') + 1], 'rs0');
    const initiate = named('Job', 'mongo-replica-set-init').spec?.template?.spec.containers[0]?.command?.join(' ') ?? '';
    for (const ordinal of [0, 1, 2])
      assert.ok(initiate.includes(`mongo-${ordinal}.${mongo.spec?.serviceName}:27017`), `mongo-${ordinal} joins the replica set`);
  });

  for (const name of SUBGRAPHS) {
    test(`${name} runs several replicas on the replica set and the NATS cluster, with settings its config reads and probes on the port it listens on`, () => {
      const { container, replicas, servicePort } = serviceContainer(name);
      assert.ok(replicas >= 2, `${name} runs at least two replicas (${replicas})`);
      const environment = environmentOf(container);
      assert.equal(environment['SERVICE'], name, 'the image runs this service');
      const { config, order, integration } = readSubgraphEnvironment(name, environment);
      assert.equal(config.environment, 'production');
      assert.equal(config.seed, false);
      assert.equal(config.host, '0.0.0.0');
      assert.equal(config.dbName, `mesh_${name}`);
      assertProbes(name, container, config.port);
      assert.equal(servicePort, config.port, `the ${name} Service listens where ${name} does`);
      // Every member of the replica set, by its stable StatefulSet name, so drivers fail over.
      const mongo = named('StatefulSet', 'mongo');
      const members = Array.from({ length: mongo.spec?.replicas ?? 0 }, (_, ordinal) => `mongo-${ordinal}.${mongo.spec?.serviceName}:27017`);
      // A multi-host URI is no WHATWG URL: its options are read as a query string.
      assert.equal(new URLSearchParams(config.mongoUri.split('?')[1] ?? '').get('replicaSet'), 'rs0');
      assert.deepEqual(
        config.mongoUri
          .replace(/^mongodb:\/\/([^/]*@)?/, '')
          .split('/')[0]
          ?.split(','),
        members,
      );
      assert.equal(config.natsUrl, `nats://nats:${named('Service', 'nats').spec?.ports?.[0]?.port}`);
      assert.equal(config.eventStreamReplicas, named('StatefulSet', 'nats').spec?.replicas, 'streams are replicated on every NATS node');
      if (name === 'order') assert.equal(order?.productUrl, `http://product:${serviceContainer('product').servicePort}/graphql`);
      if (name === 'integration') assert.equal(integration?.orderUrl, `http://order:${serviceContainer('order').servicePort}/graphql`);
    });
  }

  test('the gateway runs several replicas, verifies tokens by JWKS and reaches each subgraph through its Service', () => {
    const { container, replicas, servicePort } = serviceContainer('gateway');
    assert.ok(replicas >= 2, `the gateway runs at least two replicas (${replicas})`);
    const environment = environmentOf(container);
    assert.equal(environment['SERVICE'], 'gateway');
    const config = readGatewayEnvironment(environment);
    assert.equal(config.tokens.kind, 'jwks');
    assert.equal(config.sandbox, false);
    assert.equal(config.console, true, 'the operations console is served at /console/');
    assertProbes('gateway', container, config.port);
    assert.equal(servicePort, config.port);
    for (const name of SUBGRAPHS) assert.equal(config.subgraphUrlOverrides[name.toUpperCase()], `http://${name}:${serviceContainer(name).servicePort}/graphql`);
    const images = new Set((['gateway', ...SUBGRAPHS] as const).map((service) => serviceContainer(service).container.image));
    assert.equal(images.size, 1, 'one image runs every service (the Dockerfile picks by SERVICE)');
  });
});
