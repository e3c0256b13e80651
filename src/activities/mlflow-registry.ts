import { ApplicationFailure } from '@temporalio/common';
import { STAGES, type Stage } from '../domain/deploy/input';
import { formatModelRef, type ModelRef } from '../domain/model-ref';
import { FAILURE } from '../domain/failures';
import { type ApprovalStatus, type ModelRegistry, type ModelVersion, type RegisterVersionRequest, type RegistryChange } from './registry';

/**
 * MLflow Model Registry over its REST API (`/api/2.0/mlflow/...`), for MLflow 2.x and 3.x servers.
 *
 * MLflow knows registered models, numbered versions with a source (artifact URI), a description, tags,
 * a stage and aliases. What modelship needs beyond that lives in version tags:
 *
 * | modelship                 | MLflow                                                                 |
 * |---------------------------|------------------------------------------------------------------------|
 * | model / version           | registered model / model version                                       |
 * | modelDataUrl              | version `source`, and tag `modelship.model_data_url` (wins if present)  |
 * | image                     | tag `modelship.image` (MLflow has no container image per version)      |
 * | approval                  | tag `modelship.approval` (absent: PendingManualApproval)               |
 * | stage                     | `current_stage` (transition-stage, `archive_existing_versions`)        |
 * | stage status/description  | tags `modelship.stage_status`, `modelship.stage_description`           |
 * | "serving in production"   | stage Production and alias `champion` (configurable)                   |
 * | "served before it"        | alias `previous` (configurable)                                        |
 * | who/why of a change       | tags `modelship.workflow_id`, `modelship.actor`, `modelship.reason`    |
 * | idempotency token         | tag `modelship.idempotency_token`                                      |
 */
export interface MlflowRegistryOptions {
  /** Tracking server base URL, e.g. `http://mlflow.internal:5000` (MLFLOW_TRACKING_URI). */
  trackingUri: string;
  /** Bearer token (MLFLOW_TRACKING_TOKEN). */
  token?: string;
  /** Basic auth (MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD), for MLflow's basic-auth app. */
  username?: string;
  password?: string;
  /** Alias that follows the Production stage; empty string: no alias. @default 'champion' */
  productionAlias?: string;
  /** Alias on the version that held `productionAlias` before the last change; empty: none. @default 'previous' */
  previousAlias?: string;
  /** Per-request timeout. @default 30000 */
  timeoutMs?: number;
}

export const MLFLOW_TAGS = {
  image: 'modelship.image',
  modelDataUrl: 'modelship.model_data_url',
  approval: 'modelship.approval',
  approvalDescription: 'modelship.approval_description',
  stageStatus: 'modelship.stage_status',
  stageDescription: 'modelship.stage_description',
  workflowId: 'modelship.workflow_id',
  actor: 'modelship.actor',
  reason: 'modelship.reason',
  changedAt: 'modelship.changed_at',
  idempotencyToken: 'modelship.idempotency_token',
} as const;

/** MLflow options from the environment MLflow's own clients read; null when no tracking server is named. */
export function mlflowOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): MlflowRegistryOptions | null {
  const trackingUri = env.MLFLOW_TRACKING_URI?.trim();
  if (!trackingUri) return null;
  return {
    trackingUri,
    token: env.MLFLOW_TRACKING_TOKEN || undefined,
    username: env.MLFLOW_TRACKING_USERNAME || undefined,
    password: env.MLFLOW_TRACKING_PASSWORD || undefined,
    productionAlias: env.MODELSHIP_MLFLOW_PRODUCTION_ALIAS,
    previousAlias: env.MODELSHIP_MLFLOW_PREVIOUS_ALIAS,
  };
}

export const REGISTRY_KINDS = ['sagemaker', 'mlflow'] as const;
export type RegistryKind = (typeof REGISTRY_KINDS)[number];

/**
 * The registry a worker uses: undefined for SageMaker's (the activities' default, through the SageMaker
 * client), the MLflow adapter for `mlflow`, which needs a tracking server URI.
 */
export function registryFromConfig(kind: RegistryKind, env: NodeJS.ProcessEnv = process.env): MlflowModelRegistry | undefined {
  if (kind === 'sagemaker') return undefined;
  const options = mlflowOptionsFromEnv(env);
  if (!options) throw new Error('--registry mlflow needs the tracking server: set MLFLOW_TRACKING_URI (or --mlflow-tracking-uri)');
  return new MlflowModelRegistry(options);
}

interface MlflowModelVersion {
  name: string;
  version: string;
  source?: string;
  current_stage?: string;
  description?: string;
  tags?: Array<{ key: string; value: string }>;
  aliases?: string[];
}

/** An error answer from MLflow: `error_code` as MLflow names it, and the HTTP status. */
class MlflowHttpError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly errorCode: string,
  ) {
    super(message);
  }
}

const STAGE_NAMES = new Set<string>(Object.values(STAGES));

export class MlflowModelRegistry implements ModelRegistry {
  private readonly base: string;
  private readonly productionAlias: string;
  private readonly previousAlias: string;

  constructor(private readonly options: MlflowRegistryOptions) {
    const url = URL.canParse(options.trackingUri) ? new URL(options.trackingUri) : null;
    // A file: or databricks tracking URI names no REST server this adapter can talk to.
    if (url?.protocol !== 'http:' && url?.protocol !== 'https:') {
      throw new Error(`MLflow tracking URI must be an http(s) URL of a tracking server; got ${options.trackingUri}`);
    }
    this.base = options.trackingUri.replace(/\/+$/, '');
    this.productionAlias = options.productionAlias ?? 'champion';
    this.previousAlias = options.previousAlias ?? 'previous';
  }

  async registerVersion(request: RegisterVersionRequest): Promise<ModelVersion> {
    await this.ensureModel(request.model);
    // A retried registration finds the version its token created (MLflow has no client token of its own).
    const existing = (await this.searchVersions(request.model)).find((v) => tagOf(v, MLFLOW_TAGS.idempotencyToken) === request.idempotencyToken);
    if (existing) return this.toVersion(existing);
    const tags: Record<string, string> = {
      ...request.metadata,
      [MLFLOW_TAGS.image]: request.image,
      [MLFLOW_TAGS.modelDataUrl]: request.modelDataUrl,
      [MLFLOW_TAGS.approval]: 'PendingManualApproval',
      [MLFLOW_TAGS.stageStatus]: 'Registered',
      [MLFLOW_TAGS.idempotencyToken]: request.idempotencyToken,
    };
    const { model_version } = await this.call<{ model_version: MlflowModelVersion }>('POST', 'model-versions/create', {
      name: request.model,
      source: request.modelDataUrl,
      description: request.description,
      tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
    });
    return this.toVersion(model_version);
  }

  async getVersion(model: string, version: number): Promise<ModelVersion> {
    return this.toVersion(await this.rawVersion(model, version));
  }

  async listVersions(model: string): Promise<ModelVersion[]> {
    return (await this.searchVersions(model)).map((v) => this.toVersion(v)).sort((a, b) => a.version - b.version);
  }

  async setApproval(model: string, version: number, status: ApprovalStatus, description?: string): Promise<void> {
    await this.setTags(model, version, { [MLFLOW_TAGS.approval]: status, ...(description ? { [MLFLOW_TAGS.approvalDescription]: description } : {}) });
  }

  /**
   * Moves the version to `stage` and makes the aliases agree: entering Production moves `champion` to it
   * and `previous` to the version that held `champion`; leaving Production drops `champion` if it named
   * this version. The change's workflow id, actor and reason are tagged on the version.
   */
  async setStage(model: string, version: number, stage: Stage, status: string, description?: string, change: RegistryChange = {}): Promise<void> {
    const archive = !!change.archiveExisting && (stage === STAGES.staging || stage === STAGES.production);
    const superseded = archive ? (await this.searchVersions(model)).filter((v) => v.current_stage === stage && Number(v.version) !== version) : [];
    await this.call('POST', 'model-versions/transition-stage', {
      name: model,
      version: String(version),
      stage,
      archive_existing_versions: archive,
    });
    const who = changeTags(change, description ?? status);
    await this.setTags(model, version, { [MLFLOW_TAGS.stageStatus]: status, [MLFLOW_TAGS.stageDescription]: description ?? '', ...who });
    for (const v of superseded) {
      await this.setTags(model, Number(v.version), {
        [MLFLOW_TAGS.stageStatus]: 'Superseded',
        [MLFLOW_TAGS.stageDescription]: `Superseded by version ${version}`,
        ...who,
      });
    }
    if (!this.productionAlias) return;
    const champion = await this.aliasVersion(model, this.productionAlias);
    if (stage === STAGES.production) {
      if (champion === version) return;
      if (champion !== null && this.previousAlias) await this.setAlias(model, this.previousAlias, champion);
      await this.setAlias(model, this.productionAlias, version);
    } else if (champion === version) {
      await this.call('DELETE', 'registered-models/alias', { name: model, alias: this.productionAlias });
    }
  }

  async resolve(ref: ModelRef): Promise<ModelVersion> {
    switch (ref.kind) {
      case 'version':
        return this.getVersion(ref.model, ref.version);
      case 'alias': {
        const { model_version } = await this.call<{ model_version: MlflowModelVersion }>('GET', 'registered-models/alias', {
          name: ref.model,
          alias: ref.alias,
        });
        return this.toVersion(model_version);
      }
      case 'stage':
      case 'latest': {
        const versions = (await this.listVersions(ref.model)).filter((v) => ref.kind === 'latest' || v.stage === ref.stage);
        const newest = versions.at(-1);
        if (!newest) throw ApplicationFailure.nonRetryable(`${formatModelRef(ref)}: no version of ${ref.model} matches`, FAILURE.ModelRefUnresolved);
        return newest;
      }
      case 'model-package':
        throw ApplicationFailure.nonRetryable(
          `${ref.arn} is a SageMaker model package, but this worker's registry is MLflow (${this.base}); use models:/<name>/<version|stage> or models:/<name>@<alias>`,
          FAILURE.ModelRefUnsupported,
        );
    }
  }

  /** The version an alias names, or null when the alias is not set. */
  async aliasVersion(model: string, alias: string): Promise<number | null> {
    try {
      const { model_version } = await this.call<{ model_version: MlflowModelVersion }>('GET', 'registered-models/alias', { name: model, alias });
      return Number(model_version.version);
    } catch (err) {
      // MLflow answers an unknown alias with INVALID_PARAMETER_VALUE (2.x/3.x) or RESOURCE_DOES_NOT_EXIST.
      if (err instanceof ApplicationFailure && /alias .* not found/i.test(err.message)) return null;
      throw err;
    }
  }

  private async setAlias(model: string, alias: string, version: number): Promise<void> {
    await this.call('POST', 'registered-models/alias', { name: model, alias, version: String(version) });
  }

  private async setTags(model: string, version: number, tags: Record<string, string>): Promise<void> {
    for (const [key, value] of Object.entries(tags)) {
      await this.call('POST', 'model-versions/set-tag', { name: model, version: String(version), key, value: value.slice(0, 5000) });
    }
  }

  private async ensureModel(name: string): Promise<void> {
    try {
      await this.call('POST', 'registered-models/create', { name, description: 'Created by modelship' });
    } catch (err) {
      // Two runs registering the first versions of one model race here; the loser's model exists.
      if (!(err instanceof ApplicationFailure && err.type === 'RESOURCE_ALREADY_EXISTS')) throw err;
    }
  }

  private async rawVersion(model: string, version: number): Promise<MlflowModelVersion> {
    const { model_version } = await this.call<{ model_version: MlflowModelVersion }>('GET', 'model-versions/get', { name: model, version: String(version) });
    return model_version;
  }

  private async searchVersions(model: string): Promise<MlflowModelVersion[]> {
    const out: MlflowModelVersion[] = [];
    // MLflow's filter grammar quotes strings with ' or "; a name holding ' is quoted with ".
    const filter = model.includes("'") ? `name="${model}"` : `name='${model}'`;
    let pageToken: string | undefined;
    do {
      const page = await this.call<{ model_versions?: MlflowModelVersion[]; next_page_token?: string }>('GET', 'model-versions/search', {
        filter,
        max_results: '1000',
        ...(pageToken ? { page_token: pageToken } : {}),
      });
      out.push(...(page.model_versions ?? []));
      pageToken = page.next_page_token || undefined;
    } while (pageToken);
    return out;
  }

  private toVersion(v: MlflowModelVersion): ModelVersion {
    const approval = tagOf(v, MLFLOW_TAGS.approval);
    return {
      model: v.name,
      version: Number(v.version),
      ref: `models:/${v.name}/${v.version}`,
      image: tagOf(v, MLFLOW_TAGS.image) ?? '',
      modelDataUrl: tagOf(v, MLFLOW_TAGS.modelDataUrl) ?? v.source ?? '',
      approval: approval === 'Approved' || approval === 'Rejected' ? approval : 'PendingManualApproval',
      stage: (v.current_stage && STAGE_NAMES.has(v.current_stage) ? v.current_stage : STAGES.none) as Stage,
      stageStatus: tagOf(v, MLFLOW_TAGS.stageStatus),
      aliases: v.aliases ?? [],
    };
  }

  /**
   * One REST call. MLflow's client errors (unknown model, bad parameter, already exists) become
   * non-retryable failures typed by MLflow's error_code; 429, 5xx and network errors stay retryable.
   */
  private async call<T = unknown>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body: Record<string, unknown>): Promise<T> {
    let url = `${this.base}/api/2.0/mlflow/${path}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    else if (this.options.username)
      headers.authorization = `Basic ${Buffer.from(`${this.options.username}:${this.options.password ?? ''}`).toString('base64')}`;
    let payload: string | undefined;
    if (method === 'GET') url += `?${new URLSearchParams(body as Record<string, string>)}`;
    else {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    let res: Response;
    try {
      res = await fetch(url, { method, headers, body: payload, signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000) });
    } catch (err) {
      throw new Error(`MLflow ${method} ${path} at ${this.base} failed: ${(err as Error).cause ?? (err as Error).message}`);
    }
    const text = await res.text();
    if (res.ok) return (text ? JSON.parse(text) : {}) as T;
    let errorCode = `HTTP_${res.status}`;
    let message = text.slice(0, 500);
    try {
      const parsed = JSON.parse(text) as { error_code?: string; message?: string };
      errorCode = parsed.error_code ?? errorCode;
      message = parsed.message ?? message;
    } catch {
      // Not JSON (a proxy's error page): keep the text.
    }
    const error = new MlflowHttpError(`MLflow ${method} ${path}: ${errorCode}: ${message}`, res.status, errorCode);
    if (res.status === 429 || res.status >= 500) throw error;
    throw ApplicationFailure.nonRetryable(error.message, errorCode, { status: res.status });
  }
}

function tagOf(v: MlflowModelVersion, key: string): string | undefined {
  return v.tags?.find((t) => t.key === key)?.value;
}

function changeTags(change: RegistryChange, fallbackReason: string): Record<string, string> {
  return {
    ...(change.workflowId ? { [MLFLOW_TAGS.workflowId]: change.workflowId } : {}),
    [MLFLOW_TAGS.actor]: change.actor ?? 'modelship',
    [MLFLOW_TAGS.reason]: change.reason ?? fallbackReason,
    [MLFLOW_TAGS.changedAt]: new Date().toISOString(),
  };
}
