import { requireUser, canActFor, ForbiddenError, type Caller } from '@commerce/common';
import type { UserDb } from '../db';
import { ChannelNames, type ChannelName } from './channels';

/** What a user can opt in or out of. Receipts, password reset and verification are not here: the law (and the account) needs them. */
export const NotificationCategories = ['ORDER_UPDATES', 'MARKETING'] as const;
export type NotificationCategory = (typeof NotificationCategories)[number];

export interface NotificationPreferenceView {
  category: NotificationCategory;
  channel: ChannelName;
  enabled: boolean;
}

/**
 * Without a choice of the user's: order updates by email on; SMS and push off (opt-in); marketing
 * off everywhere (opt-in consent: GDPR Art. 7, ePrivacy Directive Art. 13).
 */
export const isEnabledByDefault = (category: NotificationCategory, channel: ChannelName) =>
  category === 'ORDER_UPDATES' && channel === 'EMAIL';

/** Every category × channel of `userId`, the user's choice or the default. */
export async function preferencesOf(db: UserDb, userId: number): Promise<NotificationPreferenceView[]> {
  const rows = await db.notificationPreference.findMany({ where: { userId } });
  const chosen = new Map(rows.map((r) => [`${r.category}:${r.channel}`, r.enabled]));
  return NotificationCategories.flatMap((category) =>
    ChannelNames.map((channel) => ({
      category,
      channel,
      enabled: chosen.get(`${category}:${channel}`) ?? isEnabledByDefault(category, channel),
    })),
  );
}

/** The channels `userId` wants `category` on. */
export async function enabledChannels(db: UserDb, userId: number, category: NotificationCategory): Promise<ChannelName[]> {
  return (await preferencesOf(db, userId)).filter((p) => p.category === category && p.enabled).map((p) => p.channel);
}

/** Reading and changing notification preferences (issue 11). */
export class NotificationPreferenceService {
  constructor(private readonly db: UserDb) {}

  /** `userId`'s preferences: the user themself, an admin or a service. @throws ForbiddenError for anyone else. */
  list(caller: Caller, userId: number): Promise<NotificationPreferenceView[]> {
    if (!canActFor(caller, userId)) throw new ForbiddenError('You may only read your own notification preferences');
    return preferencesOf(this.db, userId);
  }

  /**
   * Records the signed-in user's choices (later entries for the same pair win) in one transaction.
   * @returns every preference afterwards. @throws UnauthenticatedError when signed out.
   */
  async set(caller: Caller, choices: readonly NotificationPreferenceView[]): Promise<NotificationPreferenceView[]> {
    const { userId } = requireUser(caller);
    const latest = new Map(choices.map((c) => [`${c.category}:${c.channel}`, c]));
    await this.db.$transaction(
      [...latest.values()].map(({ category, channel, enabled }) =>
        this.db.notificationPreference.upsert({
          where: { userId_category_channel: { userId, category, channel } },
          create: { userId, category, channel, enabled },
          update: { enabled },
        }),
      ),
    );
    return preferencesOf(this.db, userId);
  }
}
