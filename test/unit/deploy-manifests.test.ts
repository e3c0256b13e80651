/**
 * The deployment artefacts (Dockerfile, docker-compose.yml, deploy/, examples/) agree with the worker
 * they deploy: probes hit the paths and port it serves, shutdown leaves room for its grace time, the
 * search attributes registered are the ones the workflows set, and the example input is one the deploy
 * pipeline accepts. No cluster or Docker engine needed: the files are parsed and compared.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { deployInputSchema } from '../../src/domain/deploy/input';
import { SEARCH_ATTRIBUTES, SEARCH_ATTRIBUTE_FLAGS } from '../../src/domain/search-attributes';
import { describeIssues, validate } from '../../src/domain/validation';

const ROOT = path.resolve(__dirname, '../..');
const at = (...parts: string[]): string => path.join(ROOT, ...parts);
const read = (...parts: string[]): string => readFileSync(at(...parts), 'utf8');

/** shutdownGraceTime of the worker (src/worker.ts): in-flight activities get this long after SIGTERM. */
const WORKER_SHUTDOWN_GRACE_SECONDS = 30;

// Parsed YAML of any shape: the assertions below are what check it.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;

function yamlFilesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .flatMap((entry) => {
      const p = path.join(dir, entry);
      if (statSync(p).isDirectory()) return yamlFilesUnder(p);
      return /\.ya?ml$/.test(entry) ? [p] : [];
    });
}

/** Every document of a YAML file; fails on any syntax error. Comment-only documents are dropped. */
function loadYaml(file: string): Obj[] {
  const docs = parseAllDocuments(readFileSync(file, 'utf8'));
  const list = Array.isArray(docs) ? docs : [docs];
  for (const doc of list) {
    assert.deepEqual(doc.errors.map(String), [], `${path.relative(ROOT, file)} is not valid YAML`);
  }
  return list.map((doc) => doc.toJS() as Obj | null).filter((d): d is Obj => d !== null);
}

const K8S_DIRS = [at('deploy', 'kubernetes'), at('deploy', 'kubernetes-keda')];
const manifests = K8S_DIRS.flatMap(yamlFilesUnder).flatMap((file) => loadYaml(file).map((doc) => ({ file, doc })));
const ofKind = (kind: string): Obj[] => manifests.filter((m) => m.doc.kind === kind).map((m) => m.doc);
const single = (kind: string): Obj => {
  const found = ofKind(kind);
  assert.equal(found.length, 1, `expected exactly one ${kind}, found ${found.length}`);
  return found[0];
};

const deployment = single('Deployment');
const podSpec: Obj = deployment.spec.template.spec;
const workerContainer: Obj = podSpec.containers.find((c: Obj) => c.name === 'worker');
const configMap = single('ConfigMap');
const podLabels: Obj = deployment.spec.template.metadata.labels;

/** A container port given by name or number, as a number. */
function containerPort(ref: string | number): number {
  if (typeof ref === 'number') return ref;
  const port = (workerContainer.ports as Obj[]).find((p) => p.name === ref);
  assert.ok(port, `no container port named ${ref}`);
  return port.containerPort;
}

function cpu(q: string | number): number {
  const s = String(q);
  return s.endsWith('m') ? Number(s.slice(0, -1)) / 1000 : Number(s);
}

function bytes(q: string): number {
  const units: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, K: 1e3, M: 1e6, G: 1e9 };
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|K|M|G)?$/.exec(q);
  assert.ok(m, `not a memory quantity: ${q}`);
  return Number(m[1]) * (m[2] ? units[m[2]] : 1);
}

/** Compose durations such as 40s, 1m30s. */
function seconds(d: string): number {
  let total = 0;
  for (const [, n, unit] of d.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) {
    total += Number(n) * ({ h: 3600, m: 60, s: 1, ms: 0.001 } as Record<string, number>)[unit];
  }
  return total;
}

function selects(selector: Obj, labels: Obj): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** `Name=Type` pairs of every `temporal operator search-attribute create --name X --type Y` in a text. */
function registeredSearchAttributes(text: string): string[] {
  return [...text.matchAll(/temporal operator search-attribute create\b[^\n]*?--name (\w+) --type (\w+)/g)].map(([, name, type]) => `${name}=${type}`).sort();
}

describe('YAML files', () => {
  it('every YAML file under deploy/ and examples/, and docker-compose.yml, parses', () => {
    const files = [...yamlFilesUnder(at('deploy')), ...yamlFilesUnder(at('examples')), at('docker-compose.yml')];
    assert.ok(files.length >= 10, `found only ${files.length} YAML files`);
    for (const file of files) assert.ok(loadYaml(file).length > 0, `${path.relative(ROOT, file)} holds no document`);
  });
});

describe('Kubernetes worker Deployment', () => {
  it('has a worker container whose health and metrics ports are the ones the ConfigMap configures', () => {
    assert.ok(workerContainer, 'no container named worker');
    assert.deepEqual(workerContainer.args, ['worker']);
    assert.equal(Number(configMap.data.MODELSHIP_HEALTH_PORT), containerPort('health'));
    assert.equal(Number(String(configMap.data.MODELSHIP_METRICS_ADDRESS).split(':').pop()), containerPort('metrics'));
    const configMapRef = (workerContainer.envFrom as Obj[]).find((e) => e.configMapRef)?.configMapRef;
    assert.equal(configMapRef?.name, configMap.metadata.name);
  });

  it('probes liveness on /healthz and readiness on /readyz of the health port, the paths the worker serves', () => {
    const workerSource = read('src', 'cli', 'commands', 'worker-run.ts');
    for (const p of ['/healthz', '/readyz']) assert.ok(workerSource.includes(`'${p}'`), `the worker does not serve ${p}`);
    const health = containerPort('health');
    const probes: [string, string][] = [
      ['livenessProbe', '/healthz'],
      ['readinessProbe', '/readyz'],
    ];
    if (workerContainer.startupProbe) probes.push(['startupProbe', '/healthz']);
    for (const [probe, p] of probes) {
      const get = workerContainer[probe]?.httpGet;
      assert.ok(get, `${probe} is not an httpGet probe`);
      assert.equal(get.path, p, `${probe} path`);
      assert.equal(containerPort(get.port), health, `${probe} port`);
    }
  });

  it('requests and limits CPU and memory, requests within limits', () => {
    const { requests, limits } = workerContainer.resources ?? {};
    for (const r of ['cpu', 'memory']) {
      assert.ok(requests?.[r] !== undefined, `no ${r} request`);
      assert.ok(limits?.[r] !== undefined, `no ${r} limit`);
    }
    assert.ok(cpu(requests.cpu) <= cpu(limits.cpu), 'cpu request above limit');
    assert.ok(bytes(requests.memory) <= bytes(limits.memory), 'memory request above limit');
  });

  it('waits at least 40 s before SIGKILL, more than the worker shutdown grace time', () => {
    assert.ok(podSpec.terminationGracePeriodSeconds >= 40);
    assert.ok(podSpec.terminationGracePeriodSeconds > WORKER_SHUTDOWN_GRACE_SECONDS);
  });

  it('runs as non-root with a read-only root filesystem and a writable /tmp', () => {
    assert.equal(podSpec.securityContext?.runAsNonRoot, true);
    assert.ok(podSpec.securityContext?.runAsUser > 0);
    const sc = workerContainer.securityContext ?? {};
    assert.equal(sc.allowPrivilegeEscalation, false);
    assert.equal(sc.readOnlyRootFilesystem, true);
    // tsx and swc write compiled-code caches at start: without a writable /tmp the worker cannot boot.
    const tmp = (workerContainer.volumeMounts as Obj[] | undefined)?.find((m) => m.mountPath === '/tmp');
    assert.ok(tmp, '/tmp is not mounted');
    assert.ok(
      (podSpec.volumes as Obj[]).some((v) => v.name === tmp.name && v.emptyDir),
      '/tmp is not an emptyDir',
    );
  });

  it('uses the IRSA service account, and its selector matches its pod labels', () => {
    const sa = single('ServiceAccount');
    assert.equal(podSpec.serviceAccountName, sa.metadata.name);
    assert.match(sa.metadata.annotations?.['eks.amazonaws.com/role-arn'] ?? '', /^arn:aws[a-z-]*:iam::\d{12}:role\//);
    assert.ok(selects(deployment.spec.selector.matchLabels, podLabels));
  });
});

describe('Kubernetes companions', () => {
  it('the HPA scales the worker Deployment by name', () => {
    const hpa = single('HorizontalPodAutoscaler');
    assert.equal(hpa.apiVersion, 'autoscaling/v2');
    assert.deepEqual({ kind: hpa.spec.scaleTargetRef.kind, name: hpa.spec.scaleTargetRef.name }, { kind: 'Deployment', name: deployment.metadata.name });
    assert.ok(hpa.spec.minReplicas <= hpa.spec.maxReplicas);
  });

  it('the KEDA ScaledObject scales the same Deployment on the worker task queue', () => {
    const so = single('ScaledObject');
    assert.equal(so.spec.scaleTargetRef.name, deployment.metadata.name);
    const trigger = (so.spec.triggers as Obj[]).find((t) => t.type === 'temporal');
    assert.equal(trigger?.metadata.taskQueue, configMap.data.MODELSHIP_TASK_QUEUE);
  });

  it('the metrics Service and the PodDisruptionBudget select the worker pods', () => {
    const service = single('Service');
    assert.ok(selects(service.spec.selector, podLabels));
    assert.equal(containerPort(service.spec.ports[0].targetPort), containerPort('metrics'));
    assert.ok(selects(single('PodDisruptionBudget').spec.selector.matchLabels, podLabels));
  });

  it('each kustomization lists every manifest in its folder, and only existing files', () => {
    for (const dir of K8S_DIRS) {
      const [kustomization] = loadYaml(path.join(dir, 'kustomization.yaml'));
      const resources: string[] = kustomization.resources;
      const local = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml');
      for (const f of local) assert.ok(resources.includes(f), `${path.relative(ROOT, dir)}/kustomization.yaml does not list ${f}`);
      for (const r of resources) assert.ok(existsSync(path.join(dir, r)), `${path.relative(ROOT, dir)}: ${r} does not exist`);
    }
  });

  it('the base kustomization sets the image the Deployment uses', () => {
    const [kustomization] = loadYaml(at('deploy', 'kubernetes', 'kustomization.yaml'));
    const image = String(workerContainer.image).replace(/:[^:/]+$/, '');
    assert.ok(
      (kustomization.images as Obj[]).some((i) => i.name === image),
      `kustomization images do not name ${image}`,
    );
  });
});

describe('docker-compose.yml', () => {
  const [compose] = loadYaml(at('docker-compose.yml'));
  const services: Obj = compose.services;
  const worker: Obj = services.worker;

  it('has the database, Temporal, search attribute registration, UI, worker and emulator services', () => {
    for (const s of ['postgresql', 'temporal', 'register-search-attributes', 'temporal-ui', 'worker', 'emulator']) {
      assert.ok(services[s], `no service ${s}`);
    }
    assert.match(services.temporal.image, /^temporalio\/auto-setup:/);
    assert.equal(services.temporal.environment.DB, 'postgres12');
    assert.match(services['register-search-attributes'].image, /^temporalio\/admin-tools:/);
  });

  it('runs the emulator only under the `emulator` profile, and everything else without one', () => {
    assert.deepEqual(services.emulator.profiles, ['emulator']);
    for (const [name, s] of Object.entries(services)) {
      if (name !== 'emulator') assert.equal((s as Obj).profiles, undefined, `${name} has a profile`);
    }
    assert.deepEqual(services.emulator.command, ['emulator', '--port', '4566', '--host', '0.0.0.0']);
    assert.equal(worker.depends_on.emulator.required, false);
  });

  it('pins every image to a tag other than latest', () => {
    for (const [name, s] of Object.entries(services)) {
      const image = (s as Obj).image as string | undefined;
      assert.ok(image, `${name} has no image`);
      const tag = /:([^:/]+)$/.exec(image)?.[1];
      assert.ok(tag && tag !== 'latest', `${name} image ${image} is not pinned`);
    }
  });

  it('builds the worker from the Dockerfile with a /healthz check and a stop grace period of at least 35 s', () => {
    assert.equal(worker.build, '.');
    assert.equal(services.emulator.image, worker.image, 'the emulator runs the worker image');
    const check = (worker.healthcheck.test as string[]).join(' ');
    assert.match(check, new RegExp(`127\\.0\\.0\\.1:${worker.environment.MODELSHIP_HEALTH_PORT}/healthz`));
    assert.ok(seconds(worker.stop_grace_period) >= 35);
    assert.ok(seconds(worker.stop_grace_period) > WORKER_SHUTDOWN_GRACE_SECONDS);
    assert.equal(worker.environment.TEMPORAL_ADDRESS, 'temporal:7233');
    assert.equal(worker.depends_on['register-search-attributes'].condition, 'service_completed_successfully');
    assert.ok(
      (worker.volumes as string[]).some((v) => /\/\.aws:[^:]+:ro$/.test(v)),
      '~/.aws is not mounted read-only',
    );
  });

  it('registers exactly the search attributes modelship sets (src/domain/search-attributes.ts)', () => {
    const script = (services['register-search-attributes'].command as string[]).join('\n');
    const expected = [...SEARCH_ATTRIBUTE_FLAGS].sort();
    assert.deepEqual(
      expected.map((f) => f.split('=')[0]),
      Object.values(SEARCH_ATTRIBUTES)
        .map((k) => k.name)
        .sort(),
    );
    assert.deepEqual(registeredSearchAttributes(script), expected);
  });
});

describe('docs/deployment.md', () => {
  it('shows the registration command of every search attribute, and no other', () => {
    assert.deepEqual(registeredSearchAttributes(read('docs', 'deployment.md')), [...SEARCH_ATTRIBUTE_FLAGS].sort());
  });
});

describe('Dockerfile', () => {
  // Continuation lines joined, comments dropped.
  const instructions = read('Dockerfile')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((l) => l.trim() && !l.trim().startsWith('#'))
    .map((l) => {
      const [op, ...rest] = l.trim().split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(' ') };
    });
  const last = (op: string): string | undefined => instructions.filter((i) => i.op === op).pop()?.args;

  it('runs bin/modelship with node, the worker by default', () => {
    assert.deepEqual(JSON.parse(last('ENTRYPOINT') ?? 'null'), ['node', 'bin/modelship']);
    assert.ok(existsSync(at('bin', 'modelship')));
    assert.deepEqual(JSON.parse(last('CMD') ?? 'null'), ['worker']);
  });

  it('builds on a pinned Node 20 image with production dependencies only', () => {
    const base = /NODE_IMAGE=(\S+)/.exec(last('ARG') ?? '')?.[1] ?? '';
    assert.match(base, /^node:20\.\d+\.\d+-bookworm-slim(@sha256:[0-9a-f]{64})?$/);
    assert.ok(instructions.some((i) => i.op === 'RUN' && /npm ci --omit=dev/.test(i.args)));
  });

  it('runs as a non-root user, stops on SIGTERM, checks /healthz and exposes the health and metrics ports', () => {
    const user = last('USER') ?? 'root';
    assert.ok(!/^(root|0)(:|$)/.test(user), `runs as ${user}`);
    assert.equal(String(podSpec.securityContext.runAsUser), user.split(':')[0], 'Kubernetes runAsUser differs from the image user');
    assert.equal(last('STOPSIGNAL'), 'SIGTERM');
    assert.match(last('HEALTHCHECK') ?? '', /\/healthz/);
    const exposed = (last('EXPOSE') ?? '').split(/\s+/).map(Number);
    for (const port of [containerPort('health'), containerPort('metrics')]) assert.ok(exposed.includes(port), `port ${port} not exposed`);
  });

  it('copies only what .dockerignore lets into the build context', () => {
    const allowed = read('.dockerignore')
      .split('\n')
      .filter((l) => l.startsWith('!'))
      .map((l) => l.slice(1).replace(/\/$/, ''));
    const sources = instructions
      .filter((i) => i.op === 'COPY' && !i.args.includes('--from='))
      .flatMap((i) =>
        i.args
          .split(/\s+/)
          .filter((a) => !a.startsWith('--'))
          .slice(0, -1),
      );
    assert.ok(sources.length > 0);
    for (const s of sources) assert.ok(allowed.includes(s.replace(/\/$/, '')), `${s} is excluded by .dockerignore`);
  });
});

describe('examples', () => {
  it('examples/deploy.yaml is a valid deploy pipeline input', () => {
    const [input] = loadYaml(at('examples', 'deploy.yaml'));
    const result = validate(deployInputSchema, input);
    assert.ok(result.ok, result.ok ? '' : describeIssues(result.issues));
  });

  it('the GitHub Actions workflow deploys on push to main with OIDC and Temporal Cloud, and fails on a failed pipeline', () => {
    const [workflow] = loadYaml(at('examples', 'github-actions', 'deploy-on-merge.yml'));
    // YAML 1.1 readers turn the `on` key into true; the yaml package keeps it a string.
    assert.deepEqual(workflow.on.push.branches, ['main']);
    assert.equal(workflow.permissions['id-token'], 'write');
    const job: Obj = Object.values(workflow.jobs)[0] as Obj;
    assert.match(job.env.TEMPORAL_API_KEY, /secrets\.TEMPORAL_API_KEY/);
    const steps = job.steps as Obj[];
    assert.ok(steps.some((s) => String(s.uses).startsWith('aws-actions/configure-aws-credentials@')));
    const deploy = steps.find((s) => /modelship deploy -f deploy\/model\.yaml --json/.test(s.run ?? ''));
    assert.ok(deploy, 'no step runs `modelship deploy -f deploy/model.yaml --json`');
    assert.doesNotMatch(deploy.run, /--no-wait/);
    assert.match(deploy.run, /exit \$code\s*$/, 'the step does not exit with modelship exit code');
  });
});
