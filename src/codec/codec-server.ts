/**
 * The codec server the Temporal web UI and CLI call to show encrypted payloads in clear: POST /encode and
 * POST /decode take and return `{ "payloads": [<proto-JSON payload>] }` (metadata values and data in
 * base64). It holds the keys, so it is the one place that decides who sees decrypted pipeline inputs:
 * with an auth token configured, only requests carrying `Authorization: Bearer <token>` get an answer.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual, createHash } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';

/** The Temporal dev server's web UI, the usual first user of a local codec server. */
export const DEFAULT_ALLOW_ORIGIN = 'http://localhost:8233';
export const CODEC_AUTH_TOKEN_ENV = 'MODELSHIP_CODEC_AUTH_TOKEN';

// Payloads are at most 2 MiB each (Temporal's default blob limit) and the UI decodes a page of events at a time.
const MAX_BODY_BYTES = 16 * 1024 * 1024;

export interface CodecServerOptions {
  codec: PayloadCodec;
  /** Origins allowed to call from a browser (the Temporal UI's). `*` allows any. @default ['http://localhost:8233'] */
  allowOrigins?: string[];
  /** When set, every /encode and /decode request must carry `Authorization: Bearer <token>`. */
  authToken?: string;
  /** Called once per answered request, e.g. for an access log. Never receives payloads. */
  onRequest?: (entry: { method: string; path: string; status: number; namespace?: string; payloads?: number }) => void;
}

export function createCodecServer(options: CodecServerOptions): Server {
  const allowOrigins = options.allowOrigins?.length ? options.allowOrigins : [DEFAULT_ALLOW_ORIGIN];
  const tokenDigest = options.authToken ? sha256(options.authToken) : undefined;

  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const namespace = header(req, 'x-namespace');
    const reply = (status: number, body?: unknown, count?: number) => {
      send(res, status, body);
      options.onRequest?.({ method: req.method ?? '', path, status, namespace, payloads: count });
    };
    setCors(req, res, allowOrigins);

    // Browsers send preflights without credentials, so they are answered before the auth check.
    if (req.method === 'OPTIONS') return reply(204);
    if (path !== '/encode' && path !== '/decode') return reply(404, { message: 'not found: POST /encode or /decode' });
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST, OPTIONS');
      return reply(405, { message: `${req.method} not allowed: use POST` });
    }
    if (tokenDigest && !authorized(header(req, 'authorization'), tokenDigest)) {
      res.setHeader('www-authenticate', 'Bearer realm="modelship-codec"');
      return reply(401, { message: 'unauthorized: send Authorization: Bearer <token>' });
    }

    readBody(req)
      .then(async (text) => {
        const payloads = parsePayloads(text);
        const out = path === '/encode' ? await options.codec.encode(payloads) : await options.codec.decode(payloads);
        reply(200, { payloads: out.map(payloadToJSON) }, payloads.length);
      })
      .catch((err: unknown) => {
        const status = err instanceof HttpError ? err.status : 400;
        reply(status, { message: err instanceof Error ? err.message : String(err) });
      });
  });
}

export interface RunningCodecServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

export async function startCodecServer(options: CodecServerOptions & { port?: number; host?: string }): Promise<RunningCodecServer> {
  const server = createCodecServer(options);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    server,
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function setCors(req: IncomingMessage, res: ServerResponse, allowOrigins: string[]): void {
  const origin = header(req, 'origin');
  res.setHeader('vary', 'Origin');
  if (!origin) return;
  if (allowOrigins.includes('*')) res.setHeader('access-control-allow-origin', '*');
  else if (allowOrigins.includes(origin)) {
    res.setHeader('access-control-allow-origin', origin);
    // The UI can be set to include cross-origin credentials (its access token) with codec requests.
    res.setHeader('access-control-allow-credentials', 'true');
  } else return;
  res.setHeader('access-control-allow-methods', 'POST, OPTIONS');
  res.setHeader('access-control-allow-headers', 'content-type, x-namespace, authorization');
  res.setHeader('access-control-max-age', '600');
}

function authorized(value: string | undefined, tokenDigest: Buffer): boolean {
  const match = /^Bearer\s+(.+)$/i.exec(value ?? '');
  // Compare digests so the comparison is constant-time whatever the lengths.
  return !!match && timingSafeEqual(sha256(match[1].trim()), tokenDigest);
}

function sha256(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpError(413, `request body exceeds ${MAX_BODY_BYTES} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** A payload in proto-JSON: each metadata value and the data in base64, as the UI and CLI send them. */
export interface JSONPayload {
  metadata?: Record<string, string> | null;
  data?: string | null;
}

// The SDK's own proto-JSON helpers (common/lib/proto-utils) fail at runtime in 1.24 ("type must be a
// Type": two protobufjs majors in its tree), and a Payload's JSON form is just base64 fields.
export function payloadFromJSON({ metadata, data }: JSONPayload): Payload {
  return {
    metadata: metadata ? Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, Buffer.from(String(v), 'base64')])) : {},
    data: data ? Buffer.from(data, 'base64') : undefined,
  };
}

export function payloadToJSON({ metadata, data }: Payload): JSONPayload {
  return {
    metadata: Object.fromEntries(Object.entries(metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? []).toString('base64')])),
    ...(data?.length ? { data: Buffer.from(data).toString('base64') } : {}),
  };
}

function parsePayloads(text: string): Payload[] {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'body must be JSON: { "payloads": [ { "metadata": { … }, "data": "<base64>" } ] }');
  }
  const payloads = (body as { payloads?: unknown } | null)?.payloads;
  if (!Array.isArray(payloads)) throw new HttpError(400, 'body must have a "payloads" array');
  return payloads.map((p: unknown, i) => {
    const ok =
      typeof p === 'object' &&
      p !== null &&
      (!('data' in p) || p.data == null || typeof p.data === 'string') &&
      (!('metadata' in p) || p.metadata == null || (typeof p.metadata === 'object' && Object.values(p.metadata).every((v) => typeof v === 'string')));
    if (!ok) throw new HttpError(400, `payloads[${i}] must be { "metadata": { "<key>": "<base64>" }, "data": "<base64>" }`);
    return payloadFromJSON(p as JSONPayload);
  });
}

function send(res: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
