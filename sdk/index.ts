/**
 * The strategy author's SDK: build a DAG locally with the Gateway's own id,
 * checksum and validation functions, then submit it with `qmtl submit`.
 */
export {
  BuildError,
  DEFAULT_SCHEMA_COMPAT,
  float,
  intervalSeconds,
  StrategyBuilder,
  submissionBody,
  type BuiltStrategy,
  type CustomNodeSpec,
  type DagNodeJson,
  type InputOptions,
  type Literal,
  type NodeOptions,
  type NodeParams,
  type NodeRef,
  type NumberLiteral,
  type StrategyBuilderOptions,
  type SubmissionBody,
  type TagQueryOptions,
} from './builder';
export type { ComputeNodeType } from '../domain/nodes/library';
