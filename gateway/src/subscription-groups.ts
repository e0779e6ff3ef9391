import type { ExecutionResult } from 'graphql';
import pLimit, { type Limit } from 'p-limit';
import { SpanKind, openSpan, traceOfEvent, type Caller, type Logger, type RedisEventHub } from '@commerce/common';
import { callerKey } from './caller-key';
import type { EventRef } from './subscription-fields';

/** One event as each member of a group sees it. */
export interface GroupEvent {
  ref: EventRef;
  /** The event's query, started by the first call and shared by every later one (one execution per group). */
  result: () => Promise<ExecutionResult>;
  /** This member is done with the event (sent, skipped or dropped); the last one ends the event's delivery span. */
  release: () => void;
}

/** A subscription in a group. */
export interface GroupMember {
  /** Takes one event, synchronously (it must not block); false when it was not taken (subscription ending, connection too slow). */
  accept: (event: GroupEvent) => boolean;
}

/** What a group is, as described by its first member. */
export interface GroupSpec {
  /** From {@link groupKey}: subscriptions with equal keys receive equal results. */
  key: string;
  /** Subscription field, for the delivery span's name and attributes. */
  field: string;
  channel: string;
  /** Which events belong to the group (the field's arguments and the caller decide). */
  match: (event: unknown) => EventRef | null;
  /** Runs the group's event query for one event; resolves to an ExecutionResult with errors rather than rejecting. */
  run: (ref: EventRef) => Promise<ExecutionResult>;
}

/**
 * The key of a subscription's group: the caller (user and role, service, or anonymous, as in
 * {@link callerKey}), the subscription field and its coerced arguments (which decide the events
 * that match), and the event query's text and variables (which decide the result). Two
 * subscriptions with equal keys would run the same query as the same caller for the same events,
 * so one result serves both; a different user, role or argument is a different group, so no one is
 * sent what another caller's query returned.
 */
export function groupKey(parts: {
  caller: Caller;
  field: string;
  args: Record<string, unknown>;
  query: string;
  variables: Record<string, unknown>;
}): string {
  return [callerKey(parts.caller), parts.field, JSON.stringify(parts.args), parts.query, JSON.stringify(parts.variables)].join('\u0000');
}

interface Group {
  spec: GroupSpec;
  members: Set<GroupMember>;
  /** Resolves with the hub listener's remover once Redis confirmed the channel. */
  listening: Promise<() => void>;
}

/**
 * Subscriptions grouped, once at subscribe time, by {@link groupKey}: each group has one listener
 * on the hub, matches each event once, runs its event query once per event (bounded across all
 * groups by `maxConcurrentQueries`, so a burst of events queues here rather than flooding the
 * subgraphs), and hands the same result to every member, each through its own connection's
 * bounded buffer. Per event and gateway the work is then one query per group, not one per
 * subscriber; what remains per subscriber is its queue and its transport's send.
 */
export class SubscriptionGroups {
  private readonly groups = new Map<string, Group>();
  private readonly limit: Limit;

  constructor(
    private readonly hub: RedisEventHub,
    /** Most event queries running at once in this gateway, over all groups. */
    maxConcurrentQueries: number,
    private readonly logger: Logger,
  ) {
    this.limit = pLimit(maxConcurrentQueries);
  }

  /** Number of groups with at least one member (for tests and metrics). */
  get size(): number {
    return this.groups.size;
  }

  /** Members of the group with `key`, 0 when there is none. */
  membersOf(key: string): number {
    return this.groups.get(key)?.members.size ?? 0;
  }

  /**
   * Adds `member` to the group of `spec.key` (creating it and its hub listener for the first) and
   * resolves once the group listens, so no event published afterwards is missed. Returns the
   * function that removes the member; the last one out removes the group's listener.
   * @throws whatever the hub's SUBSCRIBE failed with (the member is not added).
   */
  async join(spec: GroupSpec, member: GroupMember): Promise<() => void> {
    let group = this.groups.get(spec.key);
    if (!group) {
      const created: Group = { spec, members: new Set(), listening: Promise.resolve(() => undefined) };
      created.listening = this.hub.listen(spec.channel, (event) => this.dispatch(created, event));
      // A failed SUBSCRIBE leaves no group behind: the next subscriber tries again.
      created.listening.catch(() => this.forget(created));
      this.groups.set(spec.key, created);
      group = created;
    }
    group.members.add(member);
    const joined = group;
    try {
      await joined.listening;
    } catch (err) {
      joined.members.delete(member);
      throw err;
    }
    return () => {
      if (!joined.members.delete(member) || joined.members.size > 0) return;
      this.forget(joined);
      void joined.listening.then((stop) => stop()).catch(() => undefined);
    };
  }

  private forget(group: Group): void {
    if (this.groups.get(group.spec.key) === group) this.groups.delete(group.spec.key);
  }

  private dispatch(group: Group, raw: unknown): void {
    const { spec } = group;
    const ref = spec.match(raw);
    if (!ref) return;
    const delivery = openSpan(`Subscription.${spec.field} deliver`, {
      parent: traceOfEvent(raw),
      kind: SpanKind.CONSUMER,
      attributes: { 'graphql.operation.type': 'subscription', 'commerce.subscription.field': spec.field },
    });
    let running: Promise<ExecutionResult> | undefined;
    // One hold for this dispatch, one per member that took the event; the span ends with the last.
    let holds = 1;
    const release = () => {
      holds -= 1;
      if (holds === 0) delivery.end();
    };
    const event: GroupEvent = {
      ref,
      result: () => (running ??= this.limit(() => delivery.run(() => spec.run(ref)))),
      release,
    };
    for (const member of group.members) {
      try {
        if (member.accept(event)) holds += 1;
      } catch (err) {
        this.logger.error({ err, field: spec.field }, 'subscription member failed to take an event');
      }
    }
    release();
  }
}
