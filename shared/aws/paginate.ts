import { translateAwsError } from './errors';

/**
 * The items of an SDK paginator (`paginateDescribeClusters`, ...), page by page so a sweep never
 * holds a whole listing; a failure is translated naming the IAM action, like every other read.
 */
export async function* itemsOf<P, T>(
  pages: AsyncIterable<P>,
  items: (page: P) => T[] | undefined,
  action: string,
): AsyncIterable<T> {
  try {
    for await (const page of pages) yield* items(page) ?? [];
  } catch (e) {
    throw translateAwsError(e, action);
  }
}
