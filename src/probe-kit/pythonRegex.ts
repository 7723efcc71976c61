/**
 * Python `re.search` semantics for patterns written for the Python DeadPool, run by JavaScript.
 *
 * The pattern is parsed as Python 3.11 parses it (`parsePythonRegex.ts`) and written out again as a
 * JavaScript regex (flag `v`) that matches the same text, spelling out whatever the two engines read
 * differently instead of relying on JavaScript's flags:
 * - `$` also matches before a final newline, `\Z` only at the very end, `\A` only at the start, and
 *   `(?m)` lines end at `\n` only (JavaScript's `m` also breaks lines at `\r`, U+2028 and U+2029);
 * - `.` is anything but `\n` (JavaScript's also stops at `\r`, U+2028 and U+2029);
 * - `\d`, `\w`, `\s` and `\b` are Unicode-aware as in Python 3: `\d` is `\p{Nd}`, `\w` is
 *   `[\p{L}\p{N}_]` (`str.isalnum()` or `_`), `\s` adds U+001C–U+001F and U+0085 to JavaScript's and
 *   drops U+FEFF; under `(?a)` they are ASCII-only;
 * - `(?a)` with `(?i)` folds ASCII letters only (JavaScript's `i` would also fold `é` and `É`);
 * - atomic groups `(?>…)` and possessive quantifiers `a*+` become the exact JavaScript equivalent
 *   `(?=(…))\k`, whose extra group is left out of the numbering of Python's groups.
 * Never the `y` flag: `re.search` looks for a match anywhere.
 */
import {
  parsePythonRegex,
  InvalidPythonRegex,
  UnsupportedPythonRegex,
  type Alternation,
  type AnchorKind,
  type Category,
  type ParsedRegex,
  type RegexFlags,
  type RegexNode,
  type SetItem,
} from './parsePythonRegex.ts';

export type PythonRegexResult =
  | { ok: true; regex: RegExp }
  /** `invalid`: Python itself refuses the pattern; `unsupported`: Python runs it, DeadPool cannot. */
  | { ok: false; kind: 'invalid' | 'unsupported'; message: string };

const hex = (value: number): string => `\\u{${value.toString(16)}}`;

/** Escaped, so that no character of the pattern can mean syntax in a `v`-mode regex. */
const literal = (value: number): string => (/^[A-Za-z0-9]$/.test(String.fromCodePoint(value)) ? String.fromCodePoint(value) : hex(value));

// Python 3's Unicode classes, as checked against every code point (test/probe-kit/pythonRegex.test.ts).
const UNICODE_CLASSES: Record<'d' | 'w' | 's', string> = {
  d: '\\p{Nd}',
  w: '\\p{L}\\p{N}_',
  s: '\\t-\\r\\u{1c}-\\u{20}\\u{85}\\u{a0}\\u{1680}\\u{2000}-\\u{200a}\\u{2028}\\u{2029}\\u{202f}\\u{205f}\\u{3000}',
};
const ASCII_CLASSES: Record<'d' | 'w' | 's', string> = { d: '0-9', w: 'a-zA-Z0-9_', s: '\\t-\\r\\u{20}' };
const ANY = '[\\s\\S]';

/** A category as the contents of a `v`-mode class. */
function category(name: Category, ascii: boolean): string {
  const positive = (ascii ? ASCII_CLASSES : UNICODE_CLASSES)[name.toLowerCase() as 'd' | 'w' | 's'];
  return name === name.toLowerCase() ? positive : `[^${positive}]`;
}

const word = (ascii: boolean): string => `[${category('w', ascii)}]`;

function anchor(kind: AnchorKind, ascii: boolean): string {
  switch (kind) {
    case 'start':
    case 'startString':
      return `(?<!${ANY})`;
    case 'startLine':
      return '(?<![^\\n])';
    case 'end':
      return `(?=\\n?(?!${ANY}))`;
    case 'endLine':
      return '(?![^\\n])';
    case 'endString':
      return `(?!${ANY})`;
    case 'boundary': {
      const w = word(ascii);
      return `(?:(?<=${w})(?!${w})|(?<!${w})(?=${w}))`;
    }
    case 'nonBoundary': {
      const w = word(ascii);
      // Python's \B does not match in an empty string.
      return `(?:(?<=${w})(?=${w})|(?<!${w})(?!${w})(?:(?<=${ANY})|(?=${ANY})))`;
    }
  }
}

/** Ranges with their other-case ASCII letters added, for `(?ai)`. */
function foldAscii(from: number, to: number): string {
  let extra = '';
  for (const [lo, hi, shift] of [[65, 90, 32], [97, 122, -32]] as const) {
    const start = Math.max(from, lo);
    const end = Math.min(to, hi);
    if (start <= end) extra += `${hex(start + shift)}-${hex(end + shift)}`;
  }
  return extra;
}

/**
 * Python's `(?i)` makes i, I, İ and ı one letter (it compares lower cases, and upper(ı) is I);
 * JavaScript's Unicode case folding leaves the Turkish two apart. Every other letter folds alike
 * (compared on every cased code point while writing this).
 */
const DOTTED_I = [0x69, 0x49, 0x130, 0x131];

/** Whether JavaScript's `i` flag does the case-folding these flags ask for. */
const jsFolds = (flags: RegexFlags): boolean => flags.ignoreCase && !flags.ascii;
const asciiFolds = (flags: RegexFlags): boolean => flags.ignoreCase && flags.ascii;

function canBeEmpty(node: RegexNode | Alternation): boolean {
  switch (node.type) {
    case 'alternation':
      return node.branches.some((branch) => branch.every(canBeEmpty));
    case 'char':
    case 'set':
    case 'any':
      return false;
    case 'group':
    case 'atomic':
      return canBeEmpty(node.body);
    case 'repeat':
      return node.min === 0 || canBeEmpty(node.body);
    default:
      return true;
  }
}

/**
 * Whether the node may match an empty string while a non-empty match is still to be tried: an
 * alternative that can be empty before others (`(|a)`), or a lazy optional repetition (`a*?`).
 * When a repetition's round matches empty, Python stops repeating and goes on; JavaScript rejects
 * the round and backtracks into it, to the non-empty match. Atomic parts have one outcome only.
 */
function triesEmptyFirst(node: RegexNode | Alternation): boolean {
  switch (node.type) {
    case 'alternation':
      return node.branches.some((branch, i) => branch.some(triesEmptyFirst) || (i < node.branches.length - 1 && branch.every(canBeEmpty)));
    case 'group':
      return triesEmptyFirst(node.body);
    case 'repeat':
      return node.mode !== 'possessive' && ((node.mode === 'lazy' && node.min === 0) || triesEmptyFirst(node.body));
    default:
      return false;
  }
}

interface Ancestor {
  node: RegexNode | Alternation;
  branch?: number;
}

class Translator {
  /** Python group number → JavaScript group number (atomic groups add groups of their own). */
  private readonly jsGroup = new Map<number, number>();
  private jsGroups = 0;
  private readonly groupAncestors = new Map<number, Ancestor[]>();

  constructor(private readonly parsed: ParsedRegex) {}

  translate(): RegExp {
    const source = this.alternation(this.parsed.root, [], false);
    return new RegExp(source, jsFolds(this.parsed.flags) ? 'iv' : 'v');
  }

  private alternation(node: Alternation, ancestors: Ancestor[], inLookbehind: boolean): string {
    return node.branches
      .map((branch, index) => {
        const path = [...ancestors, { node, branch: index }];
        return branch.map((item) => this.node(item, path, inLookbehind)).join('');
      })
      .join('|');
  }

  private node(node: RegexNode, ancestors: Ancestor[], inLookbehind: boolean): string {
    const path = [...ancestors, { node }];
    switch (node.type) {
      case 'char': {
        const c = node.code;
        if (asciiFolds(node.flags) && foldAscii(c, c) !== '') return `[${hex(c)}${foldAscii(c, c)}]`;
        if (jsFolds(node.flags) && DOTTED_I.includes(c)) return `[${DOTTED_I.map(hex).join('')}]`;
        return literal(c);
      }
      case 'set':
        return this.set(node.negate, node.items, node.flags);
      case 'any':
        return node.flags.dotAll ? ANY : '[^\\n]';
      case 'anchor':
        return anchor(node.kind, node.flags.ascii);
      case 'group': {
        if (jsFolds(node.flags) !== jsFolds(this.parsed.flags)) {
          throw new UnsupportedPythonRegex(
            `uses ${node.flagsText ?? '(?'}…) to change case-insensitive matching for part of the pattern, which DeadPool cannot run: ` +
              'Node 20 has no modifier groups; put the flags at the start of the pattern instead, as (?i)',
          );
        }
        if (node.index === null) return `(?:${this.alternation(node.body, path, inLookbehind)})`;
        this.jsGroup.set(node.index, ++this.jsGroups);
        this.groupAncestors.set(node.index, path);
        return `(${this.alternation(node.body, path, inLookbehind)})`;
      }
      case 'atomic':
        return this.atomic(() => this.alternation(node.body, path, inLookbehind), inLookbehind, '(?>…)');
      case 'look': {
        const open = `(?${node.behind ? '<' : ''}${node.negate ? '!' : '='}`;
        return `${open}${this.alternation(node.body, path, inLookbehind || node.behind)})`;
      }
      case 'repeat': {
        if (canBeEmpty(node.body) && triesEmptyFirst(node.body)) {
          throw new UnsupportedPythonRegex(
            `uses ${node.text}, a repetition of something that can match an empty string before it matches text, which DeadPool cannot run: ` +
              'Python ends the repetition at the empty match, JavaScript tries the text',
          );
        }
        const quantifier =
          node.min === 0 && node.max === Infinity ? '*'
          : node.min === 1 && node.max === Infinity ? '+'
          : node.min === 0 && node.max === 1 ? '?'
          : `{${node.min},${node.max === Infinity ? '' : node.max}}`;
        const repeated = (): string => `(?:${this.node(node.body, path, inLookbehind)})${quantifier}${node.mode === 'lazy' ? '?' : ''}`;
        return node.mode === 'possessive' ? this.atomic(repeated, inLookbehind, `the possessive ${node.text}`) : repeated();
      }
      case 'backref':
        return this.backref(node, ancestors);
    }
  }

  /** `(?>X)` as `(?=(X))\k`: a look-ahead never gives back what it matched, the backreference takes it. */
  private atomic(body: () => string, inLookbehind: boolean, what: string): string {
    // In a look-behind JavaScript matches right to left: the backreference would run before its group.
    if (inLookbehind) throw new UnsupportedPythonRegex(`uses ${what} inside a look-behind, which DeadPool cannot run`);
    const index = ++this.jsGroups;
    return `(?:(?=(${body()}))\\${index})`;
  }

  private set(negate: boolean, items: readonly SetItem[], flags: RegexFlags): string {
    const parts = items.map((item) => {
      if (item.type === 'category') return category(item.category, flags.ascii);
      const range = item.from === item.to ? hex(item.from) : `${hex(item.from)}-${hex(item.to)}`;
      if (asciiFolds(flags)) return range + foldAscii(item.from, item.to);
      if (jsFolds(flags) && DOTTED_I.some((c) => c >= item.from && c <= item.to)) return range + DOTTED_I.map(hex).join('');
      return range;
    });
    return `[${negate ? '^' : ''}${parts.join('')}]`;
  }

  /**
   * Python fails a backreference to a group that did not take part in the match; JavaScript matches
   * it as an empty string, and also forgets a group's value when the repetition around it goes round
   * again. So a backreference is run only where the group surely took part: no alternative, optional
   * repetition or negative look-around lies between them.
   */
  private backref(node: Extract<RegexNode, { type: 'backref' }>, ancestors: readonly Ancestor[]): string {
    const jsIndex = this.jsGroup.get(node.index);
    const groupPath = this.groupAncestors.get(node.index);
    if (jsIndex === undefined || groupPath === undefined) throw new Error(`group ${node.index} was not translated before its backreference`);
    if (asciiFolds(node.flags)) throw new UnsupportedPythonRegex(`uses the backreference ${node.text} with (?a) and (?i) together, which DeadPool cannot run`);
    let shared = 0;
    while (shared < groupPath.length && shared < ancestors.length && groupPath[shared]?.node === ancestors[shared]?.node && groupPath[shared]?.branch === ancestors[shared]?.branch) shared++;
    const uncertain = groupPath.slice(shared).some(({ node: step }) => {
      if (step.type === 'alternation') return step.branches.length > 1;
      if (step.type === 'repeat') return step.min === 0;
      return step.type === 'look' && step.negate;
    });
    if (uncertain) {
      throw new UnsupportedPythonRegex(
        `uses the backreference ${node.text} to a group that may not take part in the match, which DeadPool cannot run: ` +
          'where Python fails such a backreference, JavaScript matches it as an empty string',
      );
    }
    return `(?:\\${jsIndex})`;
  }
}

/** A JavaScript RegExp whose `test` and `exec` answer as Python's `re.search(pattern, text)` does. */
export function compilePythonRegex(pattern: string): PythonRegexResult {
  try {
    return { ok: true, regex: new Translator(parsePythonRegex(pattern)).translate() };
  } catch (error) {
    if (error instanceof InvalidPythonRegex) return { ok: false, kind: 'invalid', message: error.message };
    if (error instanceof UnsupportedPythonRegex) return { ok: false, kind: 'unsupported', message: error.message };
    // A translation JavaScript refuses is a gap in this file; a config error says so better than a crash.
    if (error instanceof SyntaxError) return { ok: false, kind: 'unsupported', message: `could not be translated to JavaScript, which DeadPool needs to run it (${error.message})` };
    throw error;
  }
}
