// Pure: no SDK, so the rules' plans and the workflow's tag choices load nothing to use it.

/** "You can have up to 50 tags on an Amazon RDS resource" (User Guide, Tagging Amazon RDS resources). */
export const RDS_TAG_LIMIT = 50;

/**
 * Tags for a resource the service creates: its own tags (how it recognizes its artefacts: never dropped) and as many
 * of the user's as fit under the limit, `aws:` ones left out (reserved: RDS refuses them). Dropped user tags are the
 * last in key order, so a re-run drops the same ones; they are named so the alert can say so.
 */
export const fitTags = (
  user: Record<string, string>,
  own: Record<string, string>,
  limit = RDS_TAG_LIMIT,
): { tags: { Key: string; Value: string }[]; dropped: string[] } => {
  const ownKeys = Object.keys(own);
  const userKeys = Object.keys(user)
    .filter((k) => !k.startsWith('aws:') && !(k in own))
    .sort();
  const room = Math.max(0, limit - ownKeys.length);
  const kept = userKeys.slice(0, room);
  return {
    tags: [
      ...kept.map((Key) => ({ Key, Value: user[Key] as string })),
      ...ownKeys.map((Key) => ({ Key, Value: own[Key] as string })),
    ],
    dropped: userKeys.slice(room),
  };
};
