import type { Item, SearchHit } from '@vecdex/core';
import { type BaseNode, MetadataMode, TextNode, metadataDictToNode, nodeToMetadata } from 'llamaindex';

/**
 * A LlamaIndex node as a vecdex item: its id, its embedding, its text as `content` (so keyword
 * and hybrid search see it), and as metadata its own metadata keys (filterable) plus LlamaIndex's
 * bookkeeping keys (`_node_content`: the node without its text, `_node_type`, `ref_doc_id`,
 * `doc_id`, `document_id`), the layout LlamaIndex's own database stores use.
 */
export function nodeToItem(node: BaseNode): Item {
  return {
    id: node.id_,
    vector: node.getEmbedding(),
    content: node.getContent(MetadataMode.NONE),
    metadata: nodeToMetadata(node, true, 'text', false),
  };
}

/**
 * A stored item back as the node it was: rebuilt from `_node_content` (type, relationships,
 * its own metadata without the bookkeeping keys) with the text from `content`. An item written
 * by other means becomes a `TextNode` of its content and metadata.
 */
export function hitToNode(hit: Pick<SearchHit, 'id' | 'metadata' | 'content'>): BaseNode {
  const metadata = hit.metadata ?? {};
  if (typeof metadata._node_content !== 'string') {
    return new TextNode({ id_: hit.id, text: hit.content ?? '', metadata: { ...metadata } });
  }
  const node = metadataDictToNode(metadata as Record<string, unknown>);
  if (typeof hit.content === 'string' && node instanceof TextNode) node.setContent(hit.content);
  return node;
}
