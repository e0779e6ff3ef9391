import { publishSessionRevocation, type Logger, type Redis } from '@commerce/common';
import type { Prisma } from '../db';

/**
 * Ends a user's sessions inside `tx`: raises the session epoch (so access tokens issued before
 * stop working at the gateway once {@link announceSessionEnd} ran) and, unless `keepRefreshTokens`,
 * revokes every refresh token. A role change keeps the refresh tokens: the next refresh carries the new role.
 * @returns the new epoch.
 */
export async function endSessions(
  tx: Prisma.TransactionClient,
  userId: number,
  options: { keepRefreshTokens?: boolean } = {},
): Promise<number> {
  const { sessionEpoch } = await tx.user.update({
    where: { id: userId },
    data: { sessionEpoch: { increment: 1 } },
    select: { sessionEpoch: true },
  });
  if (!options.keepRefreshTokens) {
    await tx.refreshToken.updateMany({ where: { userId, revokedAt: null }, data: { revokedAt: new Date() } });
  }
  return sessionEpoch;
}

/**
 * After the transaction of {@link endSessions} committed: tells every gateway (Redis record and
 * pub/sub, common/session-revocation.ts). A Redis failure is logged, not thrown: the database
 * change stands, refresh and sign-in already refuse, and the access tokens still expire within 15 minutes.
 */
export async function announceSessionEnd(
  redis: Redis,
  redisPrefix: string,
  logger: Logger,
  userId: number,
  sessionEpoch: number,
): Promise<void> {
  try {
    await publishSessionRevocation(redis, redisPrefix, { userId, sessionEpoch });
  } catch (err) {
    logger.error({ err, userId }, 'session revocation not published; open sessions end when their tokens expire');
  }
}
