import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/resolve-config.js';
import { tempDir } from './serve-process.js';

/**
 * `deploy/`: the manifests render with `kubectl kustomize` (offline, as CI does) into what a
 * team applies, and the config they ship is one `mfe-dev serve` accepts.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const kubectl = fs.existsSync('/usr/bin/kubectl') || Boolean(process.env.CI);

type Doc = { kind: string; metadata: { name: string; labels?: Record<string, string> }; spec?: any; data?: Record<string, string> };

describe('deploy/', () => {
  it.runIf(kubectl)('kubectl kustomize deploy/kubernetes renders the workload', async () => {
    const rendered = execFileSync('kubectl', ['kustomize', path.join(ROOT, 'deploy/kubernetes')], { encoding: 'utf8' });
    const docs = yaml.loadAll(rendered) as Doc[];
    const of = (kind: string) => docs.find((d) => d.kind === kind)!;
    expect(docs.map((d) => d.kind).sort()).toEqual(['ConfigMap', 'Deployment', 'HTTPRoute', 'PodDisruptionBudget', 'Secret', 'Service']);

    const deployment = of('Deployment');
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0];
    expect(container.readinessProbe.httpGet.path).toBe('/__mfe-dev/readyz');
    expect(container.livenessProbe.httpGet.path).toBe('/__mfe-dev/healthz');
    expect(container.resources.requests).toBeDefined();
    expect(container.resources.limits.memory).toBeDefined();
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(container.envFrom[0].secretRef.name).toBe(of('Secret').metadata.name);
    expect(Object.keys(of('Secret').data!)).toEqual(['MFE_DEV_TOKENS']);
    // Drain fits in the grace period: drainDelay + drainTimeout < terminationGracePeriodSeconds.
    expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThan(5000 + 30_000);
    expect(deployment.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);

    // The config is a mounted ConfigMap (hot reload through ..data), with a stable name.
    const configMap = of('ConfigMap');
    const volume = pod.volumes.find((v: { configMap?: { name: string } }) => v.configMap)!;
    expect(volume.configMap.name).toBe(configMap.metadata.name);
    expect(container.volumeMounts.find((m: { name: string }) => m.name === volume.name).mountPath).toBe('/etc/mfe-dev');
    expect(container.args).toContain('/etc/mfe-dev/mfe-dev.config.yaml');

    // Service, HTTPRoute and PodDisruptionBudget reach the pods.
    const podLabels = deployment.spec.template.metadata.labels;
    expect(podLabels).toMatchObject(of('Service').spec.selector);
    expect(podLabels).toMatchObject(of('PodDisruptionBudget').spec.selector.matchLabels);
    const route = of('HTTPRoute');
    expect(route.spec.rules[0].backendRefs[0]).toMatchObject({ name: of('Service').metadata.name, port: of('Service').spec.ports[0].port });

    // And the shipped config is one `mfe-dev serve` takes (with the Secret's tokens).
    const dir = tempDir();
    try {
      const file = path.join(dir, 'mfe-dev.config.yaml');
      fs.writeFileSync(file, configMap.data!['mfe-dev.config.yaml']);
      process.env.MFE_DEV_TOKENS = 'a-token-of-the-secret-0123456789';
      const config = await resolveConfig({ command: 'serve', configFile: file });
      expect(config.serve?.auth).toEqual({ kind: 'tokens', tokens: ['a-token-of-the-secret-0123456789'] });
      expect(config.fragments.get('header')!.previews).toBe('http://header-pr-{id}.previews.svc.cluster.local:8080');
    } finally {
      delete process.env.MFE_DEV_TOKENS;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the Dockerfile builds in stages and runs as a non-root user', () => {
    const dockerfile = fs.readFileSync(path.join(ROOT, 'deploy/Dockerfile'), 'utf8');
    expect(dockerfile.match(/^FROM /gm)!.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/^USER (?!0\b|root\b)\S+/m);
    expect(dockerfile).toMatch(/ENTRYPOINT \["node", "\/app\/bin\/mfe-dev.js", "serve"\]/);
  });
});
