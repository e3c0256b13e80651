/**
 * Opt-in response recorder: every response body and error the emulator sends, one JSON line each, in a
 * file of its own inside a directory (`EmulatorOptions.recordResponsesTo`, or the
 * MODELSHIP_EMULATOR_RECORD_DIR environment variable that the test runner sets). Off unless one of them
 * is given. The conformance check validates the recordings against AWS's service models.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface RecordedResponse {
  /** `Prefix.Op` (`x-amz-target`), or `SageMakerRuntime.InvokeEndpoint`. */
  operation: string;
  status: number;
  /** Error code (`__type` / `x-amzn-ErrorType`) for an error response. */
  code?: string;
  /** `x-amzn-query-error` for awsQuery-compatible services. */
  queryError?: string;
  /** The JSON body (absent for the runtime's successful binary payload). */
  body?: unknown;
  /** Response headers that carry modeled members (the runtime's output headers). */
  headers?: Record<string, string>;
}

export const RECORD_DIR_ENV = 'MODELSHIP_EMULATOR_RECORD_DIR';

export class ResponseRecorder {
  private fd: number | undefined;

  constructor(private readonly dir: string) {}

  record(entry: RecordedResponse): void {
    if (this.fd === undefined) {
      fs.mkdirSync(this.dir, { recursive: true });
      this.fd = fs.openSync(path.join(this.dir, `${process.pid}-${randomUUID()}.jsonl`), 'a');
    }
    fs.writeSync(this.fd, `${JSON.stringify(entry)}\n`);
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }
}

/** The recorder an emulator uses: the option wins, then the environment; none when neither is set. */
export function recorderFor(dir: string | undefined): ResponseRecorder | undefined {
  const target = dir ?? process.env[RECORD_DIR_ENV];
  return target ? new ResponseRecorder(target) : undefined;
}

/**
 * Every recorded response under `dir`. A line cut short (an emulator process killed mid-write) is
 * skipped, not fatal.
 */
export function readRecordings(dir: string): RecordedResponse[] {
  if (!fs.existsSync(dir)) return [];
  const out: RecordedResponse[] = [];
  for (const file of fs.readdirSync(dir).sort()) {
    if (!file.endsWith('.jsonl')) continue;
    for (const line of fs.readFileSync(path.join(dir, file), 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        out.push(JSON.parse(line) as RecordedResponse);
      } catch {
        // a truncated last line
      }
    }
  }
  return out;
}
