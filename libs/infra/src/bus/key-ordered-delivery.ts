import { BusMessage, SubscribeOptions } from '@ledger/events';

/**
 * Hands a page of one partition's messages to `deliver`, keeping each key's messages in order, one at a
 * time, while messages of different keys run side by side, at most `keyConcurrency` at once (1: the whole
 * page in offset order). `deliver` resolves false when the consumer is stopping or lost the partition; no
 * message is started after that.
 *
 * `handledThrough(message)` is called, in offset order, each time the run of handled messages from the
 * start of the page grows: everything up to and including `message` is handled, so its offset may be
 * committed. A message handled after one still in flight waits for it, so a restart redelivers (at least
 * once) rather than skips. Resolves true when the whole page was handled.
 */
export async function deliverInKeyOrder(
  messages: readonly BusMessage[],
  keyConcurrency: number,
  deliver: (message: BusMessage) => Promise<boolean>,
  handledThrough: (message: BusMessage) => void | Promise<void>,
): Promise<boolean> {
  if (keyConcurrency <= 1) {
    for (const message of messages) {
      if (!(await deliver(message))) return false;
      await handledThrough(message);
    }
    return true;
  }
  // Lanes: each key's messages (by index in the page), in the order the keys first appear.
  const lanes = new Map<string, number[]>();
  messages.forEach((message, index) => {
    const lane = lanes.get(message.key);
    if (lane) lane.push(index);
    else lanes.set(message.key, [index]);
  });
  const queue = [...lanes.values()];
  const handled = new Array<boolean>(messages.length).fill(false);
  let through = 0;
  let stopped = false;
  // Commits go out one after another, in offset order, whichever lane finished the message.
  let committing: Promise<void> = Promise.resolve();
  const advance = (): Promise<void> => {
    const start = through;
    while (through < messages.length && handled[through]) through += 1;
    if (through === start) return committing;
    const last = messages[through - 1];
    committing = committing.then(() => handledThrough(last));
    return committing;
  };
  // The first error (a delivery or a commit that threw) stops every lane from starting another message;
  // it is thrown once the messages in flight are done, so nothing of this page is still running when
  // the caller moves on (a redelivery must not meet its own earlier attempt).
  let failure: { readonly error: unknown } | undefined;
  const runLanes = async (): Promise<void> => {
    try {
      for (let lane = queue.shift(); lane !== undefined && !stopped; lane = queue.shift()) {
        for (const index of lane) {
          if (stopped || !(await deliver(messages[index]))) {
            stopped = true;
            return;
          }
          handled[index] = true;
          await advance();
        }
      }
    } catch (error) {
      stopped = true;
      failure ??= { error };
    }
  };
  await Promise.all(Array.from({ length: Math.min(keyConcurrency, queue.length) }, runLanes));
  if (failure !== undefined) throw failure.error;
  await committing;
  return !stopped && through === messages.length;
}

/** `keyConcurrency` of subscribe options: a whole number ≥ 1, 1 when absent. */
export function keyConcurrencyOf(options: SubscribeOptions): number {
  const value = options.keyConcurrency ?? 1;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new Error(`keyConcurrency must be a whole number ≥ 1, not ${String(options.keyConcurrency)}`);
  }
  return value;
}
