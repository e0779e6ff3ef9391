import { hasRole, isSelfOrHasRole, requireRole, type Caller } from '@commerce/common';
import type { ReviewRecord } from '../db';

/** Who moderates reviews (hides and restores them, sees hidden ones and why). */
const MODERATORS = ['MODERATOR', 'ADMIN'] as const;

/** The signed-in moderator's or admin's user id. @throws UnauthenticatedError when signed out; ForbiddenError for anyone else. */
export function requireModerator(caller: Caller): number {
  return requireRole(caller, MODERATORS, 'Only moderators and admins moderate reviews').userId;
}

/** A hidden review is for moderators, admins and its author; a visible one for everyone. */
export function mayReadReview(caller: Caller, review: Pick<ReviewRecord, 'hidden' | 'authorId'>): boolean {
  return !review.hidden || isSelfOrHasRole(caller, review.authorId, ...MODERATORS);
}

/** Why a review was hidden, for moderators and admins only (null for anyone else). */
export function moderationReasonFor(caller: Caller, review: Pick<ReviewRecord, 'hiddenReason'>): string | null {
  return hasRole(caller, ...MODERATORS) ? review.hiddenReason : null;
}
