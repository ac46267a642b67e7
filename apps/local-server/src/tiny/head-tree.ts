/**
 * Layout of the tree softmax head (README.md, "Output distribution"). Leaves are token ids; a
 * node at level ℓ with prefix p covers the ids [p·leaves(ℓ), (p+1)·leaves(ℓ)); its children are
 * rows `rowOffset[ℓ] + p·b[ℓ] + c` of the head matrix. Children whose id range starts at or past
 * the vocabulary size are not part of the model (their rows exist but are never used), so the
 * leaf probabilities sum to one over exactly the vocabulary.
 */
export class HeadTree {
  /** Number of token ids (leaves). */
  readonly vocabSize: number;
  /** Branching factor per level, root first. */
  readonly branching: readonly number[];
  /** Number of levels (= softmaxes on a root-to-leaf path). */
  readonly levels: number;
  /** First head-matrix row of each level. */
  readonly rowOffset: readonly number[];
  /** Total rows of the head matrix. */
  readonly rows: number;
  /** `leavesUnder[ℓ]` = leaves under one node of level ℓ; `leavesUnder[levels]` = 1. */
  readonly leavesUnder: readonly number[];

  constructor(vocabSize: number, branching: readonly number[]) {
    this.vocabSize = vocabSize;
    this.branching = [...branching];
    this.levels = branching.length;
    const leavesUnder = new Array<number>(this.levels + 1).fill(1);
    for (let l = this.levels - 1; l >= 0; l--) leavesUnder[l] = leavesUnder[l + 1]! * branching[l]!;
    this.leavesUnder = leavesUnder;
    const rowOffset: number[] = [];
    let rows = 0;
    let nodes = 1;
    for (let l = 0; l < this.levels; l++) {
      rowOffset.push(rows);
      rows += nodes * branching[l]!;
      nodes *= branching[l]!;
    }
    this.rowOffset = rowOffset;
    this.rows = rows;
  }

  /** Number of children of node (`level`, `prefix`) whose id range intersects the vocabulary. */
  validChildren(level: number, prefix: number): number {
    const b = this.branching[level]!;
    const childLeaves = this.leavesUnder[level + 1]!;
    const validPrefixes = Math.ceil(this.vocabSize / childLeaves);
    return Math.max(0, Math.min(b, validPrefixes - prefix * b));
  }

  /** Prefix of the level-`level` node on the path to `token`. */
  prefixOf(token: number, level: number): number {
    return Math.floor(token / this.leavesUnder[level]!);
  }

  /** Index of `token`'s branch among the children of its level-`level` node. */
  digitOf(token: number, level: number): number {
    return (
      Math.floor(token / this.leavesUnder[level + 1]!) - this.prefixOf(token, level) * this.branching[level]!
    );
  }

  /** Head-matrix row of child 0 of node (`level`, `prefix`). */
  firstChildRow(level: number, prefix: number): number {
    return this.rowOffset[level]! + prefix * this.branching[level]!;
  }
}
