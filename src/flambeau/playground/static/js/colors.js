// Colour scales shared by the heatmap, the neuron thumbnails, the links and the points.
//
// The output scale goes from orange (-1) through a light grey (0) to blue (+1) and is quantised
// into 30 shades, drawn with alpha 160, as the TensorFlow Playground does. The table is built
// once; looking a value up is one multiply and one array read, so a 100x100 heatmap costs
// 10,000 look-ups per frame and nothing else.

export const ORANGE = [0xf5, 0x93, 0x22];
export const GREY = [0xe8, 0xea, 0xeb];
export const BLUE = [0x08, 0x77, 0xbd];
export const NAN_RGB = [0xaa, 0xaa, 0xaa];
export const SHADES = 30; // frame.py's 8-bit codes give each shade 8 codes (LEVELS = 120)
export const ALPHA = 160;

// Extra class colours for the 3- and 4-class data sets: class 0 and 1 keep the playground's
// orange and blue; 2 is green, 3 purple.
export const CLASS_RGB = [ORANGE, BLUE, [0x2e, 0x9e, 0x4f], [0x8e, 0x44, 0xad]];

function mix(a, b, t) {
  return [0, 1, 2].map((i) => Math.round(a[i] + (b[i] - a[i]) * t));
}

/** The colour of value v in [-1, 1] on the continuous scale (no quantisation). */
export function rgbAt(v) {
  if (Number.isNaN(v)) return NAN_RGB;
  const c = Math.max(-1, Math.min(1, v));
  return c < 0 ? mix(GREY, ORANGE, -c) : mix(GREY, BLUE, c);
}

// SHADES colours: value v falls in the k-th of 30 equal bins of [-1, 1]; bin k is painted with
// the continuous colour at -1 + 2k/29, so the first and last bins are the pure end colours.
const TABLE = [];
for (let k = 0; k < SHADES; k++) TABLE.push(rgbAt(-1 + (2 * k) / (SHADES - 1)));

/** Index of the shade for value v (clamped into [-1, 1]); -1 for NaN. */
export function shadeIndex(v) {
  if (Number.isNaN(v)) return -1;
  const k = Math.floor(((v + 1) / 2) * SHADES);
  return k < 0 ? 0 : k >= SHADES ? SHADES - 1 : k;
}

/** The quantised colour [r, g, b] of value v. */
export function shadeRgb(v) {
  const k = shadeIndex(v);
  return k < 0 ? NAN_RGB : TABLE[k];
}

/** CSS colour string of v on the quantised scale. */
export function cssColor(v, alpha = 1) {
  const [r, g, b] = shadeRgb(v);
  return alpha === 1 ? `rgb(${r},${g},${b})` : `rgba(${r},${g},${b},${alpha})`;
}

/** CSS colour of a class index (3-4 class data). */
export function classCss(k, alpha = 1) {
  const [r, g, b] = CLASS_RGB[((k % 4) + 4) % 4];
  return `rgba(${r},${g},${b},${alpha})`;
}

/**
 * Paint a grid (a Float32Array or a list of rows, row 0 at y = -6) into an ImageData whose
 * size matches it. Row 0 goes to the bottom of the image, so y grows upwards as on the axes.
 *   opts.discretize: map each value to its sign (+1 when >= 0, else -1)
 *   opts.classes: with 3-4 classes, each cell's class index (the grid then holds its probability)
 *   opts.alpha: 0-255 (default 160, the playground's)
 */
export function paintGrid(image, grid, n, opts = {}) {
  const data = image.data;
  const alpha = opts.alpha ?? ALPHA;
  const flat = !Array.isArray(grid) || !Array.isArray(grid[0]);
  for (let r = 0; r < n; r++) {
    const row = flat ? null : grid[r];
    const out = (n - 1 - r) * n * 4; // row 0 at the bottom
    for (let c = 0; c < n; c++) {
      let v = flat ? grid[r * n + c] : row[c];
      if (v === null || v === undefined) v = NaN;
      let rgb;
      let a = alpha;
      if (opts.classes) {
        // 3-4 classes: the class's colour, paler where the network is unsure
        // (v is the winning probability: 1/K at the least, 1 when certain)
        const k = opts.classes[r * n + c];
        if (Number.isNaN(v)) rgb = NAN_RGB;
        else {
          rgb = CLASS_RGB[k & 3];
          if (!opts.discretize) a = Math.round(alpha * Math.max(0.1, Math.min(1, v)));
        }
      } else {
        if (opts.discretize && !Number.isNaN(v)) v = v >= 0 ? 1 : -1;
        rgb = shadeRgb(v);
      }
      const i = out + c * 4;
      data[i] = rgb[0];
      data[i + 1] = rgb[1];
      data[i + 2] = rgb[2];
      data[i + 3] = a;
    }
  }
  return image;
}
