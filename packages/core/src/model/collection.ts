import type { Metric } from './metric.js';

/**
 * What defines a collection. Fixed at creation: every item has exactly `dimensions` numbers and
 * is compared with `metric`. `model` names the embedding model that produced the vectors (an
 * ingest with another model is refused).
 */
export interface CollectionSpec {
  name: string;
  dimensions: number;
  metric: Metric;
  model?: string | null;
}

/** A collection as the backend reports it. */
export interface CollectionInfo {
  name: string;
  dimensions: number;
  metric: Metric;
  model: string | null;
  /** Name of the index `similar()` uses when none is named; null means exact search. */
  defaultIndex: string | null;
  createdAt: number;
  /**
   * Metadata fields kept in indexed form (see {@link CollectionPatch.filterable}); absent when
   * none are declared.
   */
  filterable?: string[];
}

/** Fields of a collection that may change after creation. */
export interface CollectionPatch {
  defaultIndex?: string | null;
  model?: string | null;
  /**
   * The metadata fields (dotted paths such as `tenant` or `author.name`) the backend keeps in
   * indexed form, replacing the declared set: a filter condition on one of them is answered
   * from a B-tree (SQLite expression index, PostgreSQL expression index) in time that grows
   * with the items it matches, not with the collection. Conditions on other fields are
   * evaluated as before; results are the same either way. Only backends declaring
   * `capabilities.filterableFields` accept it; `[]` drops every field's index.
   */
  filterable?: readonly string[];
}

/** What `vx.collections.create` takes: the spec, and optionally the filterable fields. */
export interface NewCollection extends CollectionSpec {
  /** Metadata fields kept indexed for filters, e.g. `['tenant', 'year']` (see `CollectionPatch.filterable`). */
  filterable?: readonly string[];
}
