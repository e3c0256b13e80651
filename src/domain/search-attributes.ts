import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Custom search attributes every modelship workflow keeps current, so runs can be filtered in the
 * Temporal UI and with `temporal workflow list --query 'ModelshipEndpoint="churn-prod"'`.
 * Values are stored unencrypted by Temporal: never put secrets here.
 */
export const SEARCH_ATTRIBUTES = {
  endpoint: defineSearchAttributeKey('ModelshipEndpoint', SearchAttributeType.KEYWORD),
  model: defineSearchAttributeKey('ModelshipModel', SearchAttributeType.KEYWORD),
  version: defineSearchAttributeKey('ModelshipVersion', SearchAttributeType.KEYWORD),
  pipeline: defineSearchAttributeKey('ModelshipPipeline', SearchAttributeType.KEYWORD),
  step: defineSearchAttributeKey('ModelshipStep', SearchAttributeType.KEYWORD),
} as const;

const CLI_TYPE_NAMES: Record<SearchAttributeType, string> = {
  [SearchAttributeType.TEXT]: 'Text',
  [SearchAttributeType.KEYWORD]: 'Keyword',
  [SearchAttributeType.INT]: 'Int',
  [SearchAttributeType.DOUBLE]: 'Double',
  [SearchAttributeType.BOOL]: 'Bool',
  [SearchAttributeType.DATETIME]: 'Datetime',
  [SearchAttributeType.KEYWORD_LIST]: 'KeywordList',
};

/** `Name=Type` pairs, as `temporal server start-dev --search-attribute` and the operator CLI take them. */
export const SEARCH_ATTRIBUTE_FLAGS: string[] = Object.values(SEARCH_ATTRIBUTES).map((key) => `${key.name}=${CLI_TYPE_NAMES[key.type]}`);
