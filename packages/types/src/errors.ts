/**
 * Root of every error tinker-ts throws on purpose (tinker-wire-spec.md §12). It lives in
 * `@tinker-ts/types`, the lowest package, so that every other package can extend it.
 *
 * `instanceof` fails when an application ends up with two copies of a package, so every class
 * carries a brand under a global symbol and offers a static `isInstance` that checks the brand
 * instead.
 */
const brand = Symbol.for("tinker-ts.error");

type ErrorClass = abstract new (...args: never[]) => TinkerError;

export class TinkerError extends Error {
  /** Names of the classes this error is an instance of; see {@link TinkerError.isInstance}. */
  declare readonly [brand]: ReadonlySet<string>;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    const names = new Set<string>();
    for (
      let proto = new.target.prototype;
      proto && proto !== Error.prototype;
      proto = Object.getPrototypeOf(proto)
    ) {
      names.add((proto.constructor as { name: string }).name);
    }
    Object.defineProperty(this, brand, { value: names, enumerable: false });
  }

  /**
   * True when `value` is an instance of this class (or a subclass), also across duplicated
   * copies of the package, where `instanceof` would fail.
   */
  static isInstance<T extends ErrorClass>(this: T, value: unknown): value is InstanceType<T> {
    if (typeof value !== "object" || value === null) return false;
    const names = (value as { [brand]?: unknown })[brand];
    return names instanceof Set && names.has(this.name);
  }
}

/**
 * Input rejected before anything was sent: a malformed datum, a non-finite number, a wrong dtype,
 * a bad `tinker://` path. `path` names the offending field, for example `data[3].loss_fn_inputs.weights`.
 */
export class InvalidInputError extends TinkerError {
  readonly path: string | undefined;

  constructor(message: string, options?: ErrorOptions & { path?: string }) {
    super(message, options);
    this.path = options?.path;
  }
}
