// The small subset of CloudWatch metric math the emulator evaluates: numbers, query ids,
// + - * /, unary minus and parentheses. That covers error rates (`e5xx / inv`) and
// percentages (`100 * e5xx / inv`); functions (FILL, METRICS, SEARCH...) are rejected.

import type { MetricSeriesResult } from './metrics';

export type MathNode =
  | { kind: 'number'; value: number }
  | { kind: 'ref'; id: string }
  | { kind: 'neg'; operand: MathNode }
  | { kind: 'binary'; op: '+' | '-' | '*' | '/'; left: MathNode; right: MathNode };

/** A syntax error or an unsupported construct; the message is user-facing. */
export class MathError extends Error {}

type Token = { type: 'num'; value: number } | { type: 'id'; value: string } | { type: 'op'; value: string };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const re = /\s*(?:(\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+)|([A-Za-z_][A-Za-z0-9_]*)|([-+*/(),[\]])|(\S))/gy;
  let m: RegExpExecArray | null;
  while (re.lastIndex < text.length && (m = re.exec(text)) !== null) {
    if (m[1] !== undefined) tokens.push({ type: 'num', value: Number(m[1]) });
    else if (m[2] !== undefined) tokens.push({ type: 'id', value: m[2] });
    else if (m[3] !== undefined) tokens.push({ type: 'op', value: m[3] });
    else if (m[4] !== undefined) throw new MathError(`Unexpected character '${m[4]}' in expression.`);
  }
  return tokens;
}

/** Parses an expression; throws MathError with a message naming what is wrong. */
export function parseExpression(text: string): MathNode {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = () => tokens[pos];
  const isOp = (value: string) => {
    const t = peek();
    return t !== undefined && t.type === 'op' && t.value === value;
  };

  const primary = (): MathNode => {
    const t = tokens[pos++];
    if (!t) throw new MathError('Unexpected end of expression.');
    if (t.type === 'num') return { kind: 'number', value: t.value };
    if (t.type === 'id') {
      if (isOp('(')) {
        throw new MathError(`Function ${t.value} is not supported by the emulator; use +, -, *, / between query ids and numbers.`);
      }
      if (!/^[a-z]/.test(t.value)) {
        throw new MathError(`Invalid identifier '${t.value}': query ids start with a lowercase letter.`);
      }
      return { kind: 'ref', id: t.value };
    }
    if (t.value === '(') {
      const inner = additive();
      if (!isOp(')')) throw new MathError("Missing ')' in expression.");
      pos++;
      return inner;
    }
    if (t.value === '-') return { kind: 'neg', operand: primary() };
    if (t.value === '+') return primary();
    throw new MathError(`Unexpected '${t.value}' in expression.`);
  };
  const multiplicative = (): MathNode => {
    let left = primary();
    while (isOp('*') || isOp('/')) {
      const op = (tokens[pos++] as { value: '*' | '/' }).value;
      left = { kind: 'binary', op, left, right: primary() };
    }
    return left;
  };
  const additive = (): MathNode => {
    let left = multiplicative();
    while (isOp('+') || isOp('-')) {
      const op = (tokens[pos++] as { value: '+' | '-' }).value;
      left = { kind: 'binary', op, left, right: multiplicative() };
    }
    return left;
  };

  if (tokens.length === 0) throw new MathError('The expression is empty.');
  const node = additive();
  if (pos < tokens.length) {
    const t = tokens[pos]!;
    throw new MathError(`Unexpected '${String(t.value)}' in expression.`);
  }
  return node;
}

/** Query ids an expression refers to. */
export function referencedIds(node: MathNode): string[] {
  switch (node.kind) {
    case 'number':
      return [];
    case 'ref':
      return [node.id];
    case 'neg':
      return referencedIds(node.operand);
    case 'binary':
      return [...referencedIds(node.left), ...referencedIds(node.right)];
  }
}

export type MathValue = number | MetricSeriesResult;

const apply = (op: '+' | '-' | '*' | '/', a: number, b: number): number => (op === '+' ? a + b : op === '-' ? a - b : op === '*' ? a * b : a / b);

/** Keeps only finite results: a division by zero leaves a gap, not Infinity or NaN. */
function finite(timestampsMs: number[], values: number[]): MetricSeriesResult {
  const out: MetricSeriesResult = { timestampsMs: [], values: [] };
  values.forEach((v, i) => {
    if (Number.isFinite(v)) {
      out.timestampsMs.push(timestampsMs[i]!);
      out.values.push(v);
    }
  });
  return out;
}

/**
 * Evaluates an expression. Two series combine point by point on matching timestamps; a
 * timestamp present in only one of them produces no point. A number combines with every point.
 */
export function evaluateExpression(node: MathNode, lookup: (id: string) => MetricSeriesResult): MathValue {
  switch (node.kind) {
    case 'number':
      return node.value;
    case 'ref':
      return lookup(node.id);
    case 'neg': {
      const v = evaluateExpression(node.operand, lookup);
      return typeof v === 'number' ? -v : { timestampsMs: v.timestampsMs, values: v.values.map((x) => -x) };
    }
    case 'binary': {
      const a = evaluateExpression(node.left, lookup);
      const b = evaluateExpression(node.right, lookup);
      if (typeof a === 'number' && typeof b === 'number') return apply(node.op, a, b);
      if (typeof a === 'number') {
        const s = b as MetricSeriesResult;
        return finite(
          s.timestampsMs,
          s.values.map((x) => apply(node.op, a, x)),
        );
      }
      if (typeof b === 'number')
        return finite(
          a.timestampsMs,
          a.values.map((x) => apply(node.op, x, b)),
        );
      const right = new Map<number, number>();
      b.timestampsMs.forEach((t, i) => right.set(t, b.values[i]!));
      const ts: number[] = [];
      const vs: number[] = [];
      a.timestampsMs.forEach((t, i) => {
        const r = right.get(t);
        if (r !== undefined) {
          ts.push(t);
          vs.push(apply(node.op, a.values[i]!, r));
        }
      });
      return finite(ts, vs);
    }
  }
}
