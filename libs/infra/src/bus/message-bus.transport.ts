import { BaseRpcContext, CustomTransportStrategy, MessageHandler, Server } from '@nestjs/microservices';
import { isObservable, lastValueFrom, Observable } from 'rxjs';
import { BusMessage, BusSubscription, MessageBus } from '@ledger/events';

/** Transport id of `MessageBusServer`: `@EventPattern(topic, MESSAGE_BUS_TRANSPORT)` binds a handler to it alone. */
export const MESSAGE_BUS_TRANSPORT = Symbol('MessageBusTransport');

/** What `@Ctx()` gives an `@EventPattern` handler served by `MessageBusServer`: the bus message itself. */
export class MessageBusContext extends BaseRpcContext<[BusMessage]> {
  getMessage(): BusMessage {
    return this.args[0];
  }
  getTopic(): string {
    return this.args[0].topic;
  }
  getKey(): string {
    return this.args[0].key;
  }
  getHeaders(): Readonly<Record<string, string>> {
    return this.args[0].headers;
  }
  getPartition(): number {
    return this.args[0].partition;
  }
  getOffset(): string {
    return this.args[0].offset;
  }
}

export interface MessageBusServerOptions {
  /** The consumer group this app's handlers consume as. */
  readonly groupId: string;
  /** Messages of other keys in one partition handled at once (`SubscribeOptions.keyConcurrency`). */
  readonly keyConcurrency?: number;
}

/**
 * A Nest transport over the MessageBus port: it subscribes with one group to every topic that has an
 * `@EventPattern(topic)` handler and hands each message to that handler, awaiting it. The payload is
 * the message value parsed as JSON (the raw string if it is not JSON); `@Ctx()` is a MessageBusContext.
 *
 * A handler that throws or rejects makes the bus deliver the message again after a pause. That needs
 * care: Nest runs the handler through its exception filters, which turn a thrown error into a
 * *resolved* promise of an Observable that errors, and the base `Server.handleEvent` subscribes to
 * that Observable through a Subject nobody listens to, so the failure would vanish and the offset be
 * committed. This server therefore waits for the Observable itself and rethrows its error.
 * (`@MessagePattern` request/response handlers are not served: the bus carries events only.)
 *
 * ```ts
 * app.connectMicroservice({ strategy: new MessageBusServer(app.get(MESSAGE_BUS), { groupId: 'command-api' }) });
 * await app.startAllMicroservices();
 * ```
 */
export class MessageBusServer extends Server implements CustomTransportStrategy {
  override transportId: symbol = MESSAGE_BUS_TRANSPORT;
  private subscription?: BusSubscription;

  constructor(
    private readonly bus: MessageBus,
    private readonly options: MessageBusServerOptions,
  ) {
    super();
  }

  /** Topics with an event handler: what this server subscribes to. */
  topics(): string[] {
    return [...this.messageHandlers].filter(([, handler]) => handler.isEventHandler).map(([topic]) => topic);
  }

  listen(callback: (error?: unknown, ...info: unknown[]) => void): void {
    const requestHandlers = [...this.messageHandlers].filter(([, handler]) => !handler.isEventHandler);
    for (const [pattern] of requestHandlers)
      this.logger.warn(
        `@MessagePattern('${pattern}') is not served by the message bus: it carries events only`,
      );
    const topics = this.topics();
    if (topics.length === 0) {
      this._status$.next('connected');
      callback();
      return;
    }
    this.bus
      .subscribe(
        { groupId: this.options.groupId, topics, keyConcurrency: this.options.keyConcurrency },
        (message) => this.route(message),
      )
      .then(
        (subscription) => {
          this.subscription = subscription;
          this._status$.next('connected');
          callback();
        },
        (error: unknown) => callback(error),
      );
  }

  /** Stops consuming once the handler in flight has finished; the bus itself is closed by its owner. */
  async close(): Promise<void> {
    await this.subscription?.stop();
    this.subscription = undefined;
    this._status$.next('disconnected');
  }

  on(): never {
    throw new Error('MessageBusServer has no events to listen to');
  }

  unwrap<T>(): T {
    return this.bus as T;
  }

  private async route(message: BusMessage): Promise<void> {
    const handler = this.messageHandlers.get(message.topic);
    // Only topics with a handler are subscribed, so this is a bug, not a message to skip silently.
    if (!handler) throw new Error(`no @EventPattern handler for topic ${message.topic}`);
    const context = new MessageBusContext([message]);
    let outcome: Promise<void> | undefined;
    await this.onProcessingStartHook(
      this.transportId,
      context,
      () => (outcome = invoke(handler, message, context)),
    );
    if (!outcome) throw new Error('the processing hook did not run the handler');
    await outcome;
    this.onProcessingEndHook?.(this.transportId, context);
  }
}

async function invoke(
  handler: MessageHandler,
  message: BusMessage,
  context: MessageBusContext,
): Promise<void> {
  const result: unknown = await handler(payloadOf(message), context);
  // An errored Observable (what Nest's exception filters return) rejects here; one that completes
  // without a value is a handler that returned nothing, which is success.
  if (isObservable(result)) await lastValueFrom(result as Observable<unknown>, { defaultValue: undefined });
}

function payloadOf(message: BusMessage): unknown {
  try {
    return JSON.parse(message.value);
  } catch {
    return message.value;
  }
}
