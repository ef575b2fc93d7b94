/**
 * A value made on first use and then kept. Functions build their AWS clients and policy this way so
 * the init phase loads only what every invocation needs; a failed attempt is forgotten, so the next
 * invocation tries again instead of failing forever.
 */
export const lazily = <T>(make: () => Promise<T>): (() => Promise<T>) => {
  let pending: Promise<T> | undefined;
  return () =>
    (pending ??= make().catch((e: unknown) => {
      pending = undefined;
      throw e;
    }));
};
