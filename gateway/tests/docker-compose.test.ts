import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { readSubgraphConfig } from '@mesh/server-kit';
import { readTelemetrySettings } from '@mesh/telemetry';
import { SUBGRAPHS } from '@mesh/mesh-runner';
import { readGatewayEnvironment, readSubgraphEnvironment } from './service-environment.js';

// There is no Docker engine here, so this keeps docker-compose.yml honest instead: every
// variable it sets is one the service's own config reads, and the ports and URLs agree
// (service-environment.ts runs the readers; the Kubernetes manifests' test shares it).

interface ComposeService {
  environment?: Record<string, string>;
  ports?: string[];
}
const compose = parse(readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8')) as { services: Record<string, ComposeService> };

/** Resolves `${VAR:?message}` / `${VAR:-default}` the way compose would, with stand-in secrets. */
function resolveEnvironment(environment: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(environment).map(([key, value]) => [
      key,
      String(value).replace(/\$\{([A-Z_]+)(?::[-?]([^}]*))?\}/g, (_match, name: string, fallback?: string) =>
        name === 'MESH_INTERNAL_SECRET'
          ? 's'.repeat(40)
          : name === 'SHOPIFY_WEBHOOK_SECRET' || name === 'FULFILMENT_WEBHOOK_SECRET'
            ? 'webhook-signing-key'
            : name === 'AUTH_JWKS_URL'
              ? 'https://idp.example.com/.well-known/jwks.json'
              : (fallback ?? name.toLowerCase()),
      ),
    ]),
  );
}

test('the compose file runs the database, the broker, the six subgraphs, the gateway and the observability stack', () => {
  assert.deepEqual(Object.keys(compose.services).sort(), [
    'customer',
    'gateway',
    'grafana',
    'integration',
    'inventory',
    'jaeger',
    'ledger',
    'mongo',
    'nats',
    'order',
    'otel-collector',
    'product',
    'prometheus',
  ]);
  assert.deepEqual(compose.services['gateway']?.ports, ['4000:4000']);
});

for (const name of SUBGRAPHS) {
  test(`the ${name} service sets only variables its config reads, in production mode, on the replica set`, () => {
    const { config, order, integration } = readSubgraphEnvironment(name, resolveEnvironment(compose.services[name]?.environment ?? {}));
    if (name === 'order') assert.equal(order?.productUrl, 'http://product:4001/graphql');
    if (name === 'integration') assert.equal(integration?.orderUrl, 'http://order:4003/graphql');
    assert.equal(config.environment, 'production');
    assert.equal(config.seed, false);
    assert.match(config.mongoUri, /^mongodb:\/\/mongo:27017\/.*replicaSet=rs0/);
    assert.equal(config.dbName, `mesh_${name}`);
    assert.equal(config.natsUrl, 'nats://nats:4222');
  });
}

test('the gateway reaches each subgraph at the port that subgraph listens on, and verifies tokens by JWKS', () => {
  const config = readGatewayEnvironment(resolveEnvironment(compose.services['gateway']?.environment ?? {}));
  assert.equal(config.tokens.kind, 'jwks');
  assert.equal(config.sandbox, false);
  assert.equal(config.console, true, 'the operations console is served at /console/');
  for (const name of SUBGRAPHS) {
    const subgraph = readSubgraphConfig(name, 0, resolveEnvironment(compose.services[name]?.environment ?? {}));
    assert.equal(config.subgraphUrlOverrides[name.toUpperCase()], `http://${name}:${subgraph.port}/graphql`);
  }
});

const observability = (path: string) => readFileSync(new URL(`../../deploy/observability/${path}`, import.meta.url), 'utf8');
const SAMPLERS = ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'];

for (const name of [...SUBGRAPHS, 'gateway'] as const) {
  test(`the ${name} service sends its traces to the collector's OTLP/HTTP receiver under its own name, sampled by a ratio`, () => {
    const environment = resolveEnvironment(compose.services[name]?.environment ?? {});
    assert.deepEqual(readTelemetrySettings(environment), { enabled: true, endpoint: 'http://otel-collector:4318' });
    assert.equal(environment['OTEL_SERVICE_NAME'], name);
    assert.ok(SAMPLERS.includes(environment['OTEL_TRACES_SAMPLER'] ?? ''), environment['OTEL_TRACES_SAMPLER']);
    const ratio = Number(environment['OTEL_TRACES_SAMPLER_ARG']);
    assert.ok(ratio >= 0 && ratio <= 1, `sampling ratio ${ratio}`);
  });
}

test('the collector receives OTLP/HTTP on 4318 and forwards traces to Jaeger over OTLP', () => {
  const collector = parse(observability('otel-collector.yaml')) as {
    receivers: { otlp: { protocols: { http: { endpoint: string } } } };
    exporters: Record<string, { endpoint: string }>;
    service: { pipelines: { traces: { receivers: string[]; exporters: string[] } } };
  };
  assert.equal(collector.receivers.otlp.protocols.http.endpoint, '0.0.0.0:4318');
  assert.deepEqual(collector.service.pipelines.traces.receivers, ['otlp']);
  for (const exporter of collector.service.pipelines.traces.exporters) assert.equal(collector.exporters[exporter]?.endpoint, 'jaeger:4317');
  assert.equal(compose.services['jaeger']?.environment?.['COLLECTOR_OTLP_ENABLED'], 'true');
});

test('Prometheus scrapes /metrics of every service at the port that service listens on', () => {
  const prometheus = parse(observability('prometheus.yml')) as { scrape_configs: { metrics_path: string; static_configs: { targets: string[] }[] }[] };
  const targets = prometheus.scrape_configs.flatMap((job) =>
    job.static_configs.flatMap((config) => config.targets.map((target) => `${target}${job.metrics_path}`)),
  );
  const expected = SUBGRAPHS.map(
    (name) => `${name}:${readSubgraphConfig(name, 0, resolveEnvironment(compose.services[name]?.environment ?? {})).port}/metrics`,
  );
  const gateway = readGatewayEnvironment(resolveEnvironment(compose.services['gateway']?.environment ?? {}));
  assert.deepEqual(targets.sort(), [...expected, `gateway:${gateway.port}/metrics`].sort());
});

test('Grafana is provisioned with the Prometheus and Jaeger data sources and a dashboard that uses them', () => {
  const datasources = parse(observability('grafana/provisioning/datasources/datasources.yaml')) as { datasources: { uid: string; url: string }[] };
  const uids = new Set(datasources.datasources.map((source) => source.uid));
  assert.deepEqual([...uids].sort(), ['jaeger', 'prometheus']);
  assert.ok(datasources.datasources.some((source) => source.url === 'http://prometheus:9090'));
  const dashboard = JSON.parse(observability('grafana/dashboards/retail-mesh.json')) as {
    panels: { type: string; title: string; datasource?: { uid: string }; targets?: { expr: string }[] }[];
  };
  const charts = dashboard.panels.filter((panel) => panel.type !== 'row');
  assert.ok(charts.length >= 10);
  for (const panel of charts) {
    assert.ok(uids.has(panel.datasource?.uid ?? ''), `${panel.title} uses a provisioned data source`);
    assert.ok((panel.targets ?? []).length > 0 && panel.targets!.every((target) => /mesh_[a-z_]+/.test(target.expr)), `${panel.title} queries a mesh metric`);
  }
  const grafana = compose.services['grafana'] as ComposeService & { volumes?: string[] };
  assert.ok(grafana.volumes?.includes('./deploy/observability/grafana/dashboards:/var/lib/grafana/dashboards:ro'));
});
