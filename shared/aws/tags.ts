/** An AWS tag list (`Tags`, `TagList`, `TagSet`) as a record; entries without a key are dropped. */
export const tagRecord = (tags: readonly { Key?: string; Value?: string }[] | undefined): Record<string, string> =>
  Object.fromEntries((tags ?? []).filter((t) => t.Key).map((t) => [t.Key as string, t.Value ?? '']));
