/**
 * Controllers to abort when a source signal aborts. One `abort` listener per source fans out to
 * all of them, so a long-lived source (a client's close signal) shared by hundreds of samples in
 * flight carries one listener, not one per sample (which would also trip Node's
 * MaxListenersExceededWarning). Weakly keyed: a source nobody holds is collected with its set.
 */
const linked = new WeakMap<AbortSignal, Set<AbortController>>();

/**
 * Aborts `target` with `source.reason` when `source` aborts (at once when it already has), like
 * `AbortSignal.any([source, target.signal])` without creating a dependent signal per call: on
 * Node 20 `AbortSignal.any` is slow and its dependent signals cost GC work, which matters on the
 * per-sample path (bench/README.md, "Profiles").
 *
 * @returns a function that undoes the link; call it when `target`'s work ends, so that a
 *   long-lived `source` does not keep the controller alive. Calling it again does nothing.
 */
export function linkAbort(source: AbortSignal, target: AbortController): () => void {
  if (source.aborted) {
    target.abort(source.reason);
    return noop;
  }
  let targets = linked.get(source);
  if (!targets) {
    const set = new Set<AbortController>();
    targets = set;
    linked.set(source, set);
    source.addEventListener(
      "abort",
      () => {
        linked.delete(source);
        for (const controller of set) controller.abort(source.reason);
        set.clear();
      },
      { once: true },
    );
  }
  const set = targets;
  set.add(target);
  return () => {
    set.delete(target);
  };
}

function noop(): void {}
