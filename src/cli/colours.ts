// Colours the command line accepts for --background: the CSS named colours (CSS Color Module Level 4, section
// 6.1: 148 names, grey and gray spelled both ways, from the library's table), #rgb, #rrggbb, r,g,b and rgb(r, g, b)
// with r, g, b in 0..255.
import { namedColour } from "../colours.js";

export { colourNames } from "../colours.js";

export type RGB = [number, number, number];

function hexToRgb(hex: string): RGB {
  const pairs = hex.length === 3 ? [...hex].map((d) => d + d) : [hex.slice(0, 2), hex.slice(2, 4), hex.slice(4)];
  return pairs.map((pair) => parseInt(pair, 16)) as RGB;
}

/** What --background accepts as a colour, for help and error messages. */
export const COLOUR_FORMS = "a CSS colour name such as red or steelblue, #rgb, #rrggbb, r,g,b or rgb(r, g, b) with r, g, b in 0..255";

/** The colour `text` names, or undefined when it names none (names are case-insensitive, as in CSS). */
export function parseColour(text: string): RGB | undefined {
  const named = namedColour(text);
  if (named) return named;
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(text)?.[1];
  if (hex !== undefined) return hexToRgb(hex);
  const triple = /^\s*(?:rgb\(\s*(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3})\s*\)|(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3}))\s*$/i.exec(text);
  if (!triple) return undefined;
  const rgb = triple.slice(1).filter((v) => v !== undefined).map(Number) as RGB;
  return rgb.every((v) => v <= 255) ? rgb : undefined;
}

/** Text that was surely meant as a colour (a "#", a comma or "rgb(") but is not a valid one. */
export function looksLikeColour(text: string): boolean {
  return text.startsWith("#") || text.includes(",") || /^\s*rgb\(/i.test(text);
}
