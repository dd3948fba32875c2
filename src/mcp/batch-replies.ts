/**
 * JSON-RPC batches (MCP 2025-03-26 only): the replies to a batch go back together, as one
 * array, once the last of its requests is answered.
 */
import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/sdk/types.js';

/** One batch's pending ids and the replies gathered so far. */
export interface Batch {
  waiting: Set<RequestId>;
  replies: unknown[];
  /** False while the batch's line is still being read: replies given meanwhile wait for the rest. */
  sealed: boolean;
}

/** The batches still waiting for replies. */
export class BatchReplies {
  private readonly byId = new Map<RequestId, Batch>();

  /** A batch whose requests carry these ids (notifications in it have none and get no reply). */
  open(ids: readonly RequestId[]): Batch {
    const batch: Batch = { waiting: new Set(ids), replies: [], sealed: false };
    for (const id of ids) this.byId.set(id, batch);
    return batch;
  }

  /**
   * A reply that belongs to `batch` but whose id cannot key it (a duplicate of a request still
   * running): kept for the batch's array, written once the batch is sealed and answered.
   */
  include(batch: Batch, reply: unknown): void {
    batch.replies.push(reply);
  }

  /** Every message of the batch has been read: its array, when all of them are already answered. */
  seal(batch: Batch): unknown[] | undefined {
    batch.sealed = true;
    return done(batch);
  }

  /** A cancelled request gets no reply: its batch stops waiting for it (the array, when that was the last). */
  forget(id: RequestId): unknown[] | undefined {
    const batch = this.byId.get(id);
    if (batch === undefined) return undefined;
    this.byId.delete(id);
    batch.waiting.delete(id);
    return done(batch);
  }

  /** What to write for this reply: itself, nothing yet (its batch is not done), or the batch's array. */
  settle(reply: JSONRPCMessage): unknown {
    const id = 'id' in reply ? reply.id : undefined;
    const batch = id === undefined ? undefined : this.byId.get(id);
    if (batch === undefined || id === undefined) return reply;
    this.byId.delete(id);
    batch.waiting.delete(id);
    batch.replies.push(reply);
    return done(batch);
  }
}

function done(batch: Batch): unknown[] | undefined {
  return batch.sealed && batch.waiting.size === 0 && batch.replies.length > 0 ? batch.replies : undefined;
}
