// Word-wraps prose (advice, warnings) to the terminal, indenting the lines
// after the first, so a report reads as paragraphs rather than one long line.
import { stripVTControlCharacters } from 'node:util'

export const DEFAULT_WIDTH = 100

export function wrapText(text: string, width: number, indent: string, hangingIndent = ''): string {
  const lines: string[] = []
  let line = indent
  let lineLength = indent.length
  for (const word of text.split(' ')) {
    const length = stripVTControlCharacters(word).length
    if (lineLength > indent.length && lineLength + 1 + length > width) {
      lines.push(line)
      line = indent + hangingIndent + word
      lineLength = indent.length + hangingIndent.length + length
    } else {
      line += (lineLength > indent.length ? ' ' : '') + word
      lineLength += (lineLength > indent.length ? 1 : 0) + length
    }
  }
  lines.push(line)
  return lines.join('\n')
}
