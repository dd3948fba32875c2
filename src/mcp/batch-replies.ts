/**
 * JSON-RPC batches (MCP 2025-03-26 only): the replies to a batch go back together, as one
 * array, once the last of its requests is answered.
 */
import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/sdk/types.js';

interface Batch {
  waiting: Set<RequestId>;
  replies: unknown[];
}

/** The batches still waiting for replies. */
export class BatchReplies {
  private readonly byId = new Map<RequestId, Batch>();

  /** A batch whose requests carry these ids (notifications in it have none and get no reply). */
  open(ids: readonly RequestId[]): void {
    const batch: Batch = { waiting: new Set(ids), replies: [] };
    for (const id of ids) this.byId.set(id, batch);
  }

  /** A cancelled request gets no reply: its batch stops waiting for it (the array, when that was the last). */
  forget(id: RequestId): unknown[] | undefined {
    const batch = this.byId.get(id);
    if (batch === undefined) return undefined;
    this.byId.delete(id);
    batch.waiting.delete(id);
    return batch.waiting.size === 0 && batch.replies.length > 0 ? batch.replies : undefined;
  }

  /** What to write for this reply: itself, nothing yet (its batch is not done), or the batch's array. */
  settle(reply: JSONRPCMessage): unknown {
    const id = 'id' in reply ? reply.id : undefined;
    const batch = id === undefined ? undefined : this.byId.get(id);
    if (batch === undefined || id === undefined) return reply;
    this.byId.delete(id);
    batch.waiting.delete(id);
    batch.replies.push(reply);
    return batch.waiting.size === 0 ? batch.replies : undefined;
  }
}
