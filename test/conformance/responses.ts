/**
 * The output half of the oracle: every response the emulator recorded (src/emulator/recorder.ts) is
 * checked against its operation's output shape (members, required members, enum values, epoch-second
 * timestamps, list and map element types) and every error against the operation's declared errors
 * plus AWS's common ones, with its body against the error shape.
 */
import type { RecordedResponse } from '../../src/emulator/recorder';
import { allowedErrors, checkValue, COMMON_ERRORS, implementedOperations, shapeOf, type ImplementedOperation } from './model';

export interface ResponseCheck {
  /** Responses checked per operation id. */
  counts: Map<string, number>;
  problems: string[];
}

/** Error-body members every JSON protocol error carries besides the modeled ones. */
const ENVELOPE = new Set(['__type', 'message', 'Message']);

/** Headers of InvokeEndpoint's response that are protocol, not modeled output. */
const PROTOCOL_HEADERS = new Set(['x-amzn-requestid', 'content-length', 'date', 'connection']);

export function checkResponses(entries: readonly RecordedResponse[], operations: ImplementedOperation[] = implementedOperations()): ResponseCheck {
  const byId = new Map(operations.map((o) => [o.id, o]));
  const counts = new Map<string, number>();
  const problems = new Map<string, number>();
  const problem = (text: string) => problems.set(text, (problems.get(text) ?? 0) + 1);
  for (const entry of entries) {
    counts.set(entry.operation, (counts.get(entry.operation) ?? 0) + 1);
    const op = byId.get(entry.operation);
    if (!op) {
      // An operation the emulator does not serve: only the protocol's common errors are possible.
      if (entry.code === undefined || !(COMMON_ERRORS as readonly string[]).includes(entry.code)) {
        problem(`${entry.operation}: ${entry.code ?? `status ${entry.status}`} for an operation the emulator does not implement`);
      }
      continue;
    }
    if (entry.code === undefined) checkSuccess(op, entry, problem);
    else checkError(op, entry, problem);
  }
  return { counts, problems: [...problems].map(([text, n]) => (n > 1 ? `${text} (x${n})` : text)) };
}

function checkSuccess(op: ImplementedOperation, entry: RecordedResponse, problem: (text: string) => void): void {
  if (entry.status !== 200) problem(`${op.id}: success with HTTP ${entry.status}`);
  const outputShape = op.operation.output?.shape;
  if (op.targetPrefix === 'SageMakerRuntime') {
    const members = Object.entries(outputShape ? (shapeOf(op.model, outputShape).members ?? {}) : {});
    for (const header of Object.keys(entry.headers ?? {})) {
      const lower = header.toLowerCase();
      if (PROTOCOL_HEADERS.has(lower)) continue;
      if (!members.some(([, ref]) => ref.location === 'header' && ref.locationName?.toLowerCase() === lower)) {
        problem(`${op.id}: response header ${header} is not a member of ${outputShape}`);
      }
    }
    return;
  }
  if (!outputShape) {
    if (entry.body && Object.keys(entry.body).length > 0) problem(`${op.id}: a body for an operation without output`);
    return;
  }
  const found: string[] = [];
  checkValue(op.model, outputShape, entry.body, outputShape, found);
  for (const text of found) problem(`${op.id}: ${text}`);
}

function checkError(op: ImplementedOperation, entry: RecordedResponse, problem: (text: string) => void): void {
  const code = entry.code!;
  if (!allowedErrors(op.model, op.operation).has(code)) {
    problem(`${op.id}: error ${code} is neither declared by the operation nor a common error`);
    return;
  }
  if (entry.status < 400) problem(`${op.id}: error ${code} with HTTP ${entry.status}`);
  const shape = op.model.shapes[code];
  const body = (entry.body ?? {}) as Record<string, unknown>;
  if (typeof body.message !== 'string' && typeof body.Message !== 'string') problem(`${op.id}: error ${code} without a message`);
  if (shape?.exception) {
    for (const member of Object.keys(body)) {
      if (member === '__type') continue;
      // A modeled error's message is one of its members, spelled as the model spells it (Message or message).
      if (ENVELOPE.has(member) && !shape.members) continue;
      if (!shape.members?.[member]) problem(`${op.id}: error ${code} has member ${member}, not in its error shape`);
    }
    // awsQuery-compatible services: the query code must be the one the model gives the error.
    const queryCode = shape.error?.code;
    if (op.model.metadata.awsQueryCompatible && queryCode && entry.queryError?.split(';')[0] !== queryCode) {
      problem(`${op.id}: error ${code} has x-amzn-query-error ${entry.queryError}, the model says ${queryCode}`);
    }
  }
}
