/** Request bookkeeping for tests and benchmarks: calls per operation and every create-like call by name. */

export interface CreateCall {
  /** `Prefix.Op`, e.g. `SageMaker.CreateModel`. */
  operation: string;
  /** The resource name from the input (ModelName, EndpointName, ResourceId, PolicyName, AlarmName, ...). */
  name: string | undefined;
  /** CreateModelPackage only: the ClientToken sent (the SDK fills one in when the caller does not). */
  clientToken?: string;
  /** Epoch ms. */
  time: number;
  /** Error code when the call failed (including injected faults). */
  error?: string;
  /** The call took effect even though `error` was answered (a `serverError` fault with `afterApply`). */
  applied?: boolean;
}

export interface CallStats {
  /** Requests received per operation (`Prefix.Op`), including ones answered with an error. */
  counts: Record<string, number>;
  /** Errors returned per operation and code, e.g. `{"SageMaker.DescribeEndpoint": {"ThrottlingException": 3}}`. */
  errors: Record<string, Record<string, number>>;
  /** Every Create*, Register* and Put* call, in arrival order. */
  creates: CreateCall[];
  /** Faults injected so far, per fault kind. */
  faults: Record<string, number>;
}

// Which input member names the resource of a create-like call, per operation (first present wins).
const NAME_MEMBERS = [
  'ModelName',
  'EndpointConfigName',
  'EndpointName',
  'ModelPackageGroupName',
  'ModelPackageName',
  'ResourceId',
  'PolicyName',
  'AlarmName',
] as const;

const NAME_MEMBER_BY_OPERATION: Record<string, string> = {
  CreateEndpointConfig: 'EndpointConfigName',
  CreateEndpoint: 'EndpointName',
  CreateModel: 'ModelName',
  PutScalingPolicy: 'PolicyName',
};

export function isCreateLike(operation: string): boolean {
  return /^(Create|Register|Put)/.test(operation);
}

export class CallLog {
  private counts = new Map<string, number>();
  private errors = new Map<string, Map<string, number>>();
  private creates: CreateCall[] = [];

  record(operationId: string, input: unknown, time: number, errorCode?: string, applied = !errorCode): void {
    this.counts.set(operationId, (this.counts.get(operationId) ?? 0) + 1);
    if (errorCode) {
      const perOp = this.errors.get(operationId) ?? new Map<string, number>();
      perOp.set(errorCode, (perOp.get(errorCode) ?? 0) + 1);
      this.errors.set(operationId, perOp);
    }
    const op = operationId.slice(operationId.indexOf('.') + 1);
    if (!isCreateLike(op)) return;
    const fields = input && typeof input === 'object' ? (input as Record<string, unknown>) : {};
    const member = NAME_MEMBER_BY_OPERATION[op] ?? NAME_MEMBERS.find((m) => typeof fields[m] === 'string');
    const name = member && typeof fields[member] === 'string' ? (fields[member] as string) : undefined;
    const call: CreateCall = { operation: operationId, name, time };
    if (typeof fields['ClientToken'] === 'string') call.clientToken = fields['ClientToken'];
    if (errorCode) call.error = errorCode;
    if (errorCode && applied) call.applied = true;
    this.creates.push(call);
  }

  stats(faults: Record<string, number>): CallStats {
    const errors: CallStats['errors'] = {};
    for (const [op, perCode] of this.errors) errors[op] = Object.fromEntries(perCode);
    return { counts: Object.fromEntries(this.counts), errors, creates: this.creates.map((c) => ({ ...c })), faults };
  }

  clear(): void {
    this.counts.clear();
    this.errors.clear();
    this.creates = [];
  }
}
