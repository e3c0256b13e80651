/** Shared List* mechanics: filters, sorting and opaque NextToken pagination. */
import { AwsError, validationError } from './errors';
import { PATTERNS, type Fields } from './validation';

/** Opaque page token: the offset into the sorted, filtered list. */
export function paginate<T>(
  items: readonly T[],
  nextToken: string | undefined,
  maxResults: number,
  invalidToken: () => AwsError = () => validationError('Invalid pagination token.'),
): { page: T[]; nextToken?: string } {
  let offset = 0;
  if (nextToken !== undefined && nextToken !== '') {
    const decoded = decodeToken(nextToken);
    if (decoded === undefined) throw invalidToken();
    offset = decoded;
  }
  const page = items.slice(offset, offset + maxResults);
  const next = offset + maxResults;
  // AWS: omit NextToken on the last page (the v3 paginator stops on a falsy token).
  return next < items.length ? { page, nextToken: encodeToken(next) } : { page };
}

function encodeToken(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset })).toString('base64');
}

function decodeToken(token: string): number | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { o?: unknown };
    return typeof parsed.o === 'number' && Number.isInteger(parsed.o) && parsed.o >= 0 ? parsed.o : undefined;
  } catch {
    return undefined;
  }
}

export interface Listable {
  name: string;
  creationTime: number;
}

export interface ListRequest {
  nameContains?: string;
  creationTimeBefore?: number;
  creationTimeAfter?: number;
  sortBy: string;
  descending: boolean;
  maxResults: number;
  nextToken?: string;
}

/**
 * Reads the common SageMaker list members. `defaultOrder` differs per operation (the SortOrder default in
 * each List* page, e.g. https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ListEndpoints.html#sagemaker-ListEndpoints-request-SortOrder:
 * Descending for models, configs and endpoints; Ascending for model packages).
 */
export function readListRequest(
  fields: Fields,
  options: { sortBy: readonly string[]; defaultOrder: 'Ascending' | 'Descending'; defaultMaxResults: number },
): ListRequest {
  const sortBy = fields.string('SortBy', { oneOf: options.sortBy }) ?? 'CreationTime';
  const order = fields.string('SortOrder', { oneOf: ['Ascending', 'Descending'] }) ?? options.defaultOrder;
  const request: ListRequest = {
    sortBy,
    descending: order === 'Descending',
    maxResults: fields.integer('MaxResults', { min: 1, max: 100 }) ?? options.defaultMaxResults,
  };
  const nameContains = fields.string('NameContains', { max: 63, pattern: PATTERNS.nameContains });
  const before = fields.timestamp('CreationTimeBefore');
  const after = fields.timestamp('CreationTimeAfter');
  const token = fields.string('NextToken', { max: 8192 });
  if (nameContains !== undefined) request.nameContains = nameContains;
  if (before !== undefined) request.creationTimeBefore = before;
  if (after !== undefined) request.creationTimeAfter = after;
  if (token !== undefined) request.nextToken = token;
  return request;
}

/** Filters by name/creation time, sorts (ties broken by name) and pages. */
export function listPage<T extends Listable>(
  items: Iterable<T>,
  request: ListRequest,
  sortKey: (item: T, sortBy: string) => string | number = (item, by) => (by === 'Name' ? item.name : item.creationTime),
): { page: T[]; nextToken?: string } {
  const needle = request.nameContains?.toLowerCase();
  const filtered = [...items].filter(
    (item) =>
      (needle === undefined || item.name.toLowerCase().includes(needle)) &&
      (request.creationTimeBefore === undefined || item.creationTime < request.creationTimeBefore) &&
      // AWS: CreationTimeAfter is inclusive ("greater than or equal to"), CreationTimeBefore exclusive.
      (request.creationTimeAfter === undefined || item.creationTime >= request.creationTimeAfter),
  );
  filtered.sort((a, b) => {
    const ka = sortKey(a, request.sortBy);
    const kb = sortKey(b, request.sortBy);
    const primary = ka < kb ? -1 : ka > kb ? 1 : 0;
    const result = primary !== 0 ? primary : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
    return request.descending ? -result : result;
  });
  return paginate(filtered, request.nextToken, request.maxResults);
}
