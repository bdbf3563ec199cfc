/**
 * How much room text takes in a diagram: a rough width in a sans-serif and in a monospace
 * font (no font metrics on the server; a little too wide is harmless), and word wrapping.
 */

/** A rough width of text in a sans-serif font: capitals and digits wider than the rest. */
export function textWidth(text: string, size: number): number {
  let em = 0;
  for (const char of text) {
    if (/[A-ZÄÖÜ_MW]/.test(char)) em += 0.7;
    else if (/[mw]/.test(char)) em += 0.8;
    else if (/[0-9a-zäöüß]/.test(char)) em += 0.56;
    else em += 0.34;
  }
  return Math.ceil(em * size);
}

/** The width of text in a monospace font. */
export function monoWidth(text: string, size: number): number {
  return Math.ceil([...text].length * 0.62 * size);
}

/** Breaks words into lines of at most `max` characters (a longer word keeps its own line). */
export function wrap(text: string, max: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > max) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}
