/**
 * Walk a Marker-paginated AWS listing (Redshift, RDS, EMR): yields items page by page so a
 * sweep never holds the whole listing.
 */
export async function* byMarker<T>(page: (marker: string | undefined) => Promise<{ items?: T[]; marker?: string }>): AsyncIterable<T> {
  let marker: string | undefined;
  do {
    const out = await page(marker);
    yield* out.items ?? [];
    marker = out.marker;
  } while (marker);
}
