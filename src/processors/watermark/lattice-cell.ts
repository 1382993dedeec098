/**
 * Where a point lies on a lattice of fractional steps v1, v2: in which copy's cell, and where in it. The fold,
 * the copies' reading and the opacity grid all place every pixel so; the place is written into a reused
 * object, since a pair allocated per pixel showed up in the tiled path's profile.
 */
import type { Step } from './tile-lattice.js';

/** A point's copy (whole lattice coordinates) and its offset from that copy's origin, in pixels. */
export interface CellPlace {
  i: number;
  j: number;
  dx: number;
  dy: number;
}

export class LatticeCell {
  readonly ax: number;
  readonly ay: number;
  readonly bx: number;
  readonly by: number;
  private readonly det: number;

  constructor(lattice: { readonly v1: Step; readonly v2: Step }) {
    [this.ax, this.ay] = lattice.v1;
    [this.bx, this.by] = lattice.v2;
    this.det = this.ax * this.by - this.ay * this.bx;
  }

  /** Lattice coordinates of a point (fractional). */
  coords(x: number, y: number): Step {
    return [(this.by * x - this.bx * y) / this.det, (this.ax * y - this.ay * x) / this.det];
  }

  /** The copy whose cell holds (x, y), and the point's offset in it, into `at`. */
  place(x: number, y: number, at: CellPlace): void {
    const { ax, ay, bx, by, det } = this;
    // A hair over the floor: a point on a cell's edge belongs to the cell it starts, whatever the rounding.
    const i = Math.floor((by * x - bx * y) / det + 1e-9);
    const j = Math.floor((ax * y - ay * x) / det + 1e-9);
    at.i = i;
    at.j = j;
    at.dx = x - i * ax - j * bx;
    at.dy = y - i * ay - j * by;
  }

  /** The cell's bounding box, from its origin: the least and greatest x and y of its four corners. */
  bounds(): { x0: number; y0: number; x1: number; y1: number } {
    const { ax, ay, bx, by } = this;
    return {
      x0: Math.min(0, ax, bx, ax + bx),
      y0: Math.min(0, ay, by, ay + by),
      x1: Math.max(0, ax, bx, ax + bx),
      y1: Math.max(0, ay, by, ay + by),
    };
  }
}
