/**
 * The `Qmtl*` search attributes (SPEC §4). Registered with the server at
 * start-up (workers/search-attributes-setup) and set on every workflow start so
 * runs can be filtered in the Temporal UI and by `temporal workflow list`.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const QmtlWorldId = defineSearchAttributeKey('QmtlWorldId', SearchAttributeType.KEYWORD_LIST);
export const QmtlStrategyId = defineSearchAttributeKey('QmtlStrategyId', SearchAttributeType.KEYWORD);
export const QmtlNodeId = defineSearchAttributeKey('QmtlNodeId', SearchAttributeType.KEYWORD);
export const QmtlMode = defineSearchAttributeKey('QmtlMode', SearchAttributeType.KEYWORD);
export const QmtlOrderStatus = defineSearchAttributeKey('QmtlOrderStatus', SearchAttributeType.KEYWORD);
export const QmtlSymbol = defineSearchAttributeKey('QmtlSymbol', SearchAttributeType.KEYWORD);
export const QmtlVenue = defineSearchAttributeKey('QmtlVenue', SearchAttributeType.KEYWORD);
/** Lifecycle status of strategies (queued / processing / running / ...), kept current by the workflow. */
export const QmtlStatus = defineSearchAttributeKey('QmtlStatus', SearchAttributeType.KEYWORD);

export const QMTL_SEARCH_ATTRIBUTES = [
  QmtlWorldId,
  QmtlStrategyId,
  QmtlNodeId,
  QmtlMode,
  QmtlOrderStatus,
  QmtlSymbol,
  QmtlVenue,
  QmtlStatus,
] as const;
