/** What a painted scene tells the compositor about itself. */
export interface SceneTraits {
  /** How glossy the floor is: strength of the product's reflection at its base, 0 for none. */
  readonly reflectivity: number;
  /** Blur the floor with distance from the product and the wall behind it (a lens at a wide aperture). */
  readonly depthOfField: boolean;
}
