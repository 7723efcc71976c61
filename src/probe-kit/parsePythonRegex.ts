/**
 * A parser for Python 3.11 `re` patterns (str patterns), written after CPython's `re/_parser.py` so
 * that what Python refuses is refused here with Python's own message and position, and what Python
 * accepts parses to the same structure. `pythonRegex.ts` turns the tree into a JavaScript RegExp.
 *
 * Constructs that Python accepts but JavaScript cannot run are reported as `UnsupportedPythonRegex`
 * by the translator, not here, except the two whose meaning this parser cannot even represent:
 * `\N{name}` (it needs Unicode's name table) and conditional groups `(?(1)yes|no)`.
 */

/** Flags in force at a point of the pattern. */
export interface RegexFlags {
  ignoreCase: boolean;
  multiline: boolean;
  dotAll: boolean;
  verbose: boolean;
  /** `(?a)`: `\w`, `\d`, `\s`, `\b` and case-insensitivity are ASCII-only. */
  ascii: boolean;
}

export type Category = 'd' | 'D' | 'w' | 'W' | 's' | 'S';

export type SetItem = { type: 'range'; from: number; to: number } | { type: 'category'; category: Category };

export type AnchorKind = 'start' | 'end' | 'startLine' | 'endLine' | 'startString' | 'endString' | 'boundary' | 'nonBoundary';

export interface Alternation {
  type: 'alternation';
  branches: RegexNode[][];
}

export type RegexNode =
  | { type: 'char'; code: number; flags: RegexFlags }
  | { type: 'set'; negate: boolean; items: SetItem[]; flags: RegexFlags }
  | { type: 'any'; flags: RegexFlags }
  | { type: 'anchor'; kind: AnchorKind; flags: RegexFlags }
  | { type: 'group'; index: number | null; flags: RegexFlags; flagsText: string | null; body: Alternation }
  | { type: 'atomic'; body: Alternation }
  | { type: 'look'; behind: boolean; negate: boolean; body: Alternation }
  /** `text`: the repeated item and its quantifier as written, `(ab)+?`. */
  | { type: 'repeat'; min: number; max: number; mode: 'greedy' | 'lazy' | 'possessive'; body: RegexNode; text: string }
  | { type: 'backref'; index: number; text: string; flags: RegexFlags };

export interface ParsedRegex {
  root: Alternation;
  /** Flags set at the start of the pattern, `(?i)`: they hold for the whole pattern. */
  flags: RegexFlags;
  groupCount: number;
}

/** Python would refuse the pattern: `message` is what `re.compile` says. */
export class InvalidPythonRegex extends Error {}

/** Python accepts the pattern, DeadPool cannot run it: `message` names the construct. */
export class UnsupportedPythonRegex extends Error {}

const DIGITS = '0123456789';
const OCTDIGITS = '01234567';
const HEXDIGITS = '0123456789abcdefABCDEF';
const WHITESPACE = ' \t\n\r\v\f';
const SPECIAL = '.\\[{()*+?^$|';
const FLAG_LETTERS = 'iLmsxatu';
const MAXREPEAT = 4294967295;
const ESCAPES: Record<string, number> = { '\\a': 7, '\\b': 8, '\\f': 12, '\\n': 10, '\\r': 13, '\\t': 9, '\\v': 11, '\\\\': 92 };
const CATEGORIES = new Set(['\\d', '\\D', '\\s', '\\S', '\\w', '\\W']);
const ANCHORS: Record<string, AnchorKind> = { '\\A': 'startString', '\\Z': 'endString', '\\b': 'boundary', '\\B': 'nonBoundary' };
const isAsciiLetter = (c: string): boolean => /^[A-Za-z]$/.test(c);
/** Python's `str.isidentifier()`. */
const IDENTIFIER = /^[\p{XID_Start}_][\p{XID_Continue}]*$/u;

/** The character a token stands for: itself, or the one after the backslash. */
const code = (token: string): number => token.codePointAt(token[0] === '\\' ? 1 : 0) ?? 0;
/** Python's `len`: positions and offsets count code points. */
const len = (text: string): number => Array.from(text).length;

/** CPython's Tokenizer: a token is one character, or a backslash and the character after it. */
class Tokenizer {
  readonly chars: string[];
  next: string | null = null;
  private index = 0;

  constructor(readonly pattern: string) {
    this.chars = Array.from(pattern);
    this.advance();
  }

  private advance(): void {
    let index = this.index;
    let char = this.chars[index];
    if (char === undefined) {
      this.next = null;
      return;
    }
    if (char === '\\') {
      index++;
      const escaped = this.chars[index];
      if (escaped === undefined) throw this.errorAt('bad escape (end of pattern)', this.chars.length - 1);
      char += escaped;
    }
    this.index = index + 1;
    this.next = char;
  }

  match(char: string): boolean {
    if (char !== this.next) return false;
    this.advance();
    return true;
  }

  get(): string | null {
    const token = this.next;
    this.advance();
    return token;
  }

  getWhile(n: number, charset: string): string {
    let result = '';
    for (let i = 0; i < n; i++) {
      const c = this.next;
      if (c === null || c.length !== 1 || !charset.includes(c)) break;
      result += c;
      this.advance();
    }
    return result;
  }

  getUntil(terminator: string, name: string): string {
    let result = '';
    for (;;) {
      const c = this.next;
      this.advance();
      if (c === null) {
        if (result === '') throw this.error(`missing ${name}`);
        throw this.error(`missing ${terminator}, unterminated name`, len(result));
      }
      if (c === terminator) {
        if (result === '') throw this.error(`missing ${name}`, 1);
        break;
      }
      result += c;
    }
    return result;
  }

  tell(): number {
    return this.index - (this.next === null ? 0 : Array.from(this.next).length);
  }

  seek(index: number): void {
    this.index = index;
    this.advance();
  }

  error(message: string, offset = 0): InvalidPythonRegex {
    return this.errorAt(message, this.tell() - offset);
  }

  /** Worded as `re.error` words it, so operators recognise Python's own message. */
  errorAt(message: string, position: number): InvalidPythonRegex {
    let text = `${message} at position ${position}`;
    if (this.pattern.includes('\n')) {
      const before = this.chars.slice(0, position);
      const line = before.filter((c) => c === '\n').length + 1;
      text += ` (line ${line}, column ${position - before.lastIndexOf('\n')})`;
    }
    return new InvalidPythonRegex(text);
  }
}

interface Width {
  min: number;
  max: number;
}

class Parser {
  private readonly source: Tokenizer;
  private readonly global: RegexFlags = { ignoreCase: false, multiline: false, dotAll: false, verbose: false, ascii: false };
  private groups = 1;
  private readonly groupNames = new Map<string, number>();
  private readonly openGroups = new Set<number>();
  private readonly groupWidths = new Map<number, Width>();
  /** Group count when the outermost look-behind began, as CPython keeps it. */
  private lookbehindGroups: number | null = null;

  constructor(pattern: string) {
    this.source = new Tokenizer(pattern);
  }

  parse(): ParsedRegex {
    const root = this.parseAlternation(null, 0);
    if (this.source.next !== null) throw this.source.error('unbalanced parenthesis');
    return { root, flags: { ...this.global }, groupCount: this.groups - 1 };
  }

  /** `null` scoped flags: the top level, whose flags are the global ones (which may still change). */
  private parseAlternation(scoped: RegexFlags | null, nested: number): Alternation {
    const branches: RegexNode[][] = [];
    do {
      branches.push(this.parseSequence(scoped, nested + 1, nested === 0 && branches.length === 0));
    } while (this.source.match('|'));
    return { type: 'alternation', branches };
  }

  private parseSequence(scoped: RegexFlags | null, nested: number, first: boolean): RegexNode[] {
    const source = this.source;
    const items: RegexNode[] = [];
    /** Where each item begins, for messages that quote a repeated item. */
    const starts: number[] = [];
    let start = 0;
    const push = (node: RegexNode): void => {
      items.push(node);
      starts.push(start);
    };
    const flags = (): RegexFlags => scoped ?? { ...this.global };
    for (;;) {
      const token = source.next;
      if (token === null || token === '|' || token === ')') break;
      start = source.tell();
      source.get();

      if (flags().verbose) {
        if (WHITESPACE.includes(token)) continue;
        if (token === '#') {
          for (let c = source.get(); c !== null && c !== '\n'; c = source.get());
          continue;
        }
      }

      if (token[0] === '\\') {
        push(this.escape(token, flags()));
      } else if (!SPECIAL.includes(token)) {
        push({ type: 'char', code: code(token), flags: flags() });
      } else if (token === '[') {
        push(this.parseSet(flags()));
      } else if ('*+?{'.includes(token)) {
        const here = source.tell();
        let min = 0;
        let max = MAXREPEAT;
        if (token === '?') max = 1;
        else if (token === '+') min = 1;
        else if (token === '{') {
          if (source.next === '}') {
            push({ type: 'char', code: code(token), flags: flags() });
            continue;
          }
          let lo = '';
          let hi = '';
          while (source.next !== null && DIGITS.includes(source.next)) lo += source.get();
          if (source.match(',')) {
            while (source.next !== null && DIGITS.includes(source.next)) hi += source.get();
          } else hi = lo;
          if (!source.match('}')) {
            push({ type: 'char', code: code(token), flags: flags() });
            source.seek(here);
            continue;
          }
          if (lo !== '') min = Number(lo);
          if (hi !== '') max = Number(hi);
          // Python raises OverflowError here, without a position.
          if (min >= MAXREPEAT || (hi !== '' && max >= MAXREPEAT)) throw new InvalidPythonRegex('the repetition number is too large');
          if (max < min) throw source.error('min repeat greater than max repeat', source.tell() - here);
        }
        const item = items.at(-1);
        if (item === undefined || item.type === 'anchor') throw source.error('nothing to repeat', source.tell() - here + 1);
        if (item.type === 'repeat') throw source.error('multiple repeat', source.tell() - here + 1);
        const mode = source.match('?') ? 'lazy' : source.match('+') ? 'possessive' : 'greedy';
        const text = source.chars.slice(starts.at(-1), source.tell()).join('');
        items[items.length - 1] = { type: 'repeat', min, max: max === MAXREPEAT ? Infinity : max, mode, body: item, text };
      } else if (token === '.') {
        push({ type: 'any', flags: flags() });
      } else if (token === '(') {
        const node = this.parseGroup(scoped, nested, first && items.length === 0);
        if (node !== null) push(node);
      } else if (token === '^') {
        push({ type: 'anchor', kind: flags().multiline ? 'startLine' : 'start', flags: flags() });
      } else if (token === '$') {
        push({ type: 'anchor', kind: flags().multiline ? 'endLine' : 'end', flags: flags() });
      }
    }
    return items;
  }

  /** A group, or `null` for what adds nothing to the sequence: a comment or global flags. */
  private parseGroup(scoped: RegexFlags | null, nested: number, atStart: boolean): RegexNode | null {
    const source = this.source;
    const start = source.tell() - 1;
    const outer = scoped ?? { ...this.global };
    let capture = true;
    let atomic = false;
    let name: string | null = null;
    let groupFlags = outer;
    let flagsText: string | null = null;
    if (source.match('?')) {
      const char = source.get();
      if (char === null) throw source.error('unexpected end of pattern');
      if (char === 'P') {
        if (source.match('<')) {
          name = source.getUntil('>', 'group name');
          this.checkGroupName(name, 1);
        } else if (source.match('=')) {
          const refName = source.getUntil(')', 'group name');
          this.checkGroupName(refName, 1);
          const index = this.groupNames.get(refName);
          if (index === undefined) throw source.error(`unknown group name ${pyRepr(refName)}`, len(refName) + 1);
          if (this.openGroups.has(index)) throw source.error('cannot refer to an open group', len(refName) + 1);
          this.checkLookbehindGroup(index);
          return { type: 'backref', index, text: `(?P=${refName})`, flags: outer };
        } else {
          const next = source.get();
          if (next === null) throw source.error('unexpected end of pattern');
          throw source.error(`unknown extension ?P${next}`, len(next) + 2);
        }
      } else if (char === ':') {
        capture = false;
      } else if (char === '#') {
        for (;;) {
          if (source.next === null) throw source.error('missing ), unterminated comment', source.tell() - start);
          if (source.get() === ')') break;
        }
        return null;
      } else if (char === '=' || char === '!' || char === '<') {
        let kind = char;
        const behind = char === '<';
        let outermostLookbehind = false;
        if (behind) {
          const next = source.get();
          if (next === null) throw source.error('unexpected end of pattern');
          if (next !== '=' && next !== '!') throw source.error(`unknown extension ?<${next}`, len(next) + 2);
          kind = next;
          if (this.lookbehindGroups === null) {
            this.lookbehindGroups = this.groups;
            outermostLookbehind = true;
          }
        }
        const body = this.parseAlternation(outer, nested + 1);
        if (outermostLookbehind) this.lookbehindGroups = null;
        if (!source.match(')')) throw source.error('missing ), unterminated subpattern', source.tell() - start);
        if (behind) {
          const width = this.widthOf(body);
          // CPython's compiler raises this one, without a position.
          if (width.min !== width.max) throw new InvalidPythonRegex('look-behind requires fixed-width pattern');
        }
        return { type: 'look', behind, negate: kind === '!', body };
      } else if (char === '(') {
        const condition = source.getUntil(')', 'group name');
        throw new UnsupportedPythonRegex(`uses (?(${condition})…), a conditional group, which DeadPool cannot run: JavaScript has no conditionals`);
      } else if (char === '>') {
        capture = false;
        atomic = true;
      } else if (FLAG_LETTERS.includes(char) || char === '-') {
        const parsed = this.parseFlags(char);
        if (parsed === null) {
          if (!atStart) throw source.error('global flags not at the start of the expression', source.tell() - start);
          return null;
        }
        capture = false;
        groupFlags = applyFlags(outer, parsed.add, parsed.remove);
        flagsText = source.chars.slice(start, source.tell()).join('');
      } else {
        throw source.error(`unknown extension ?${char}`, len(char) + 1);
      }
    }

    let index: number | null = null;
    if (capture) {
      index = this.groups++;
      if (name !== null) {
        const previous = this.groupNames.get(name);
        if (previous !== undefined) throw source.error(`redefinition of group name ${pyRepr(name)} as group ${index}; was group ${previous}`, len(name) + 1);
        this.groupNames.set(name, index);
      }
      this.openGroups.add(index);
    }
    const body = this.parseAlternation(groupFlags, nested + 1);
    if (!source.match(')')) throw source.error('missing ), unterminated subpattern', source.tell() - start);
    if (index !== null) {
      this.openGroups.delete(index);
      this.groupWidths.set(index, this.widthOf(body));
    }
    if (atomic) return { type: 'atomic', body };
    return { type: 'group', index, flags: groupFlags, flagsText, body };
  }

  /** `null` for global flags `(?i)` (applied here), else the flags a scoped group `(?i-s:…)` turns on and off. */
  private parseFlags(first: string): { add: string; remove: string } | null {
    const source = this.source;
    let char: string | null = first;
    let add = '';
    let remove = '';
    if (char !== '-') {
      for (;;) {
        if (char === 'L') throw source.error("bad inline flags: cannot use 'L' flag with a str pattern");
        add += char;
        if ('aLu'.includes(char) && [...add].some((f) => 'aLu'.includes(f) && f !== char)) throw source.error("bad inline flags: flags 'a', 'u' and 'L' are incompatible");
        char = source.get();
        if (char === null) throw source.error('missing -, : or )');
        if (')-:'.includes(char)) break;
        if (!FLAG_LETTERS.includes(char)) throw source.error(/^\p{L}$/u.test(char) ? 'unknown flag' : 'missing -, : or )', len(char));
      }
    }
    if (char === ')') {
      if (add.includes('t')) return null; // TEMPLATE: a no-op for matching
      Object.assign(this.global, applyFlags(this.global, add, ''));
      return null;
    }
    if (add.includes('t')) throw source.error('bad inline flags: cannot turn on global flag', 1);
    if (char === '-') {
      char = source.get();
      if (char === null) throw source.error('missing flag');
      if (!FLAG_LETTERS.includes(char)) throw source.error(/^\p{L}$/u.test(char) ? 'unknown flag' : 'missing flag', len(char));
      for (;;) {
        if ('aLu'.includes(char)) throw source.error("bad inline flags: cannot turn off flags 'a', 'u' and 'L'");
        remove += char;
        char = source.get();
        if (char === null) throw source.error('missing :');
        if (char === ':') break;
        if (!FLAG_LETTERS.includes(char)) throw source.error(/^\p{L}$/u.test(char) ? 'unknown flag' : 'missing :', len(char));
      }
    }
    if (remove.includes('t')) throw source.error('bad inline flags: cannot turn off global flag', 1);
    if ([...add].some((f) => remove.includes(f))) throw source.error('bad inline flags: flag turned on and off', 1);
    return { add, remove };
  }

  private parseSet(flags: RegexFlags): RegexNode {
    const source = this.source;
    const here = source.tell() - 1;
    const items: SetItem[] = [];
    const negate = source.match('^');
    for (;;) {
      const token = source.get();
      if (token === null) throw source.error('unterminated character set', source.tell() - here);
      if (token === ']' && items.length > 0) break;
      const first = token[0] === '\\' ? this.classEscape(token) : ({ type: 'range', from: code(token), to: code(token) } as const);
      if (source.match('-')) {
        const that = source.get();
        if (that === null) throw source.error('unterminated character set', source.tell() - here);
        if (that === ']') {
          items.push(first, { type: 'range', from: 45, to: 45 });
          break;
        }
        const second = that[0] === '\\' ? this.classEscape(that) : ({ type: 'range', from: code(that), to: code(that) } as const);
        const badRange = (): InvalidPythonRegex => source.error(`bad character range ${token}-${that}`, len(token) + 1 + len(that));
        if (first.type !== 'range' || second.type !== 'range') throw badRange();
        if (second.from < first.from) throw badRange();
        items.push({ type: 'range', from: first.from, to: second.from });
      } else {
        items.push(first);
      }
    }
    return { type: 'set', negate, items, flags };
  }

  private classEscape(token: string): SetItem {
    if (token in ESCAPES) return single(ESCAPES[token] as number);
    if (CATEGORIES.has(token)) return { type: 'category', category: token[1] as Category };
    const literal = this.codeEscape(token);
    if (literal !== null) return single(literal);
    const c = token[1] as string;
    if (OCTDIGITS.includes(c)) {
      const escape = token + this.source.getWhile(2, OCTDIGITS);
      const value = parseInt(escape.slice(1), 8);
      if (value > 0o377) throw this.source.error(`octal escape value ${escape} outside of range 0-0o377`, escape.length);
      return single(value);
    }
    if (DIGITS.includes(c) || isAsciiLetter(c)) throw this.source.error(`bad escape ${token}`, len(token));
    return single(code(token));
  }

  private escape(token: string, flags: RegexFlags): RegexNode {
    const source = this.source;
    const anchor = ANCHORS[token];
    if (anchor !== undefined) return { type: 'anchor', kind: anchor, flags };
    if (CATEGORIES.has(token)) return { type: 'set', negate: false, items: [{ type: 'category', category: token[1] as Category }], flags };
    const known = ESCAPES[token];
    if (known !== undefined) return { type: 'char', code: known, flags };
    const literal = this.codeEscape(token);
    if (literal !== null) return { type: 'char', code: literal, flags };
    const c = token[1] as string;
    if (c === '0') return { type: 'char', code: parseInt(token.slice(1) + source.getWhile(2, OCTDIGITS), 8), flags };
    if (DIGITS.includes(c)) {
      let escape = token;
      if (source.next !== null && DIGITS.includes(source.next)) {
        escape += source.get();
        if (OCTDIGITS.includes(escape[1] as string) && OCTDIGITS.includes(escape[2] as string) && source.next !== null && OCTDIGITS.includes(source.next)) {
          escape += source.get();
          const value = parseInt(escape.slice(1), 8);
          if (value > 0o377) throw source.error(`octal escape value ${escape} outside of range 0-0o377`, escape.length);
          return { type: 'char', code: value, flags };
        }
      }
      const index = Number(escape.slice(1));
      if (index < this.groups) {
        if (this.openGroups.has(index)) throw source.error('cannot refer to an open group', escape.length);
        this.checkLookbehindGroup(index);
        return { type: 'backref', index, text: escape, flags };
      }
      throw source.error(`invalid group reference ${index}`, escape.length - 1);
    }
    if (isAsciiLetter(c)) throw source.error(`bad escape ${token}`, len(token));
    return { type: 'char', code: code(token), flags };
  }

  /** `\x..`, `\u....`, `\U........` and `\N{…}`; `null` for other escapes. */
  private codeEscape(token: string): number | null {
    const source = this.source;
    const digits = { x: 2, u: 4, U: 8 }[token[1] as string];
    if (digits !== undefined) {
      const escape = token + source.getWhile(digits, HEXDIGITS);
      if (escape.length !== digits + 2) throw source.error(`incomplete escape ${escape}`, escape.length);
      const value = parseInt(escape.slice(2), 16);
      if (value > 0x10ffff) throw source.error(`bad escape ${escape}`, escape.length);
      return value;
    }
    if (token === '\\N') {
      if (!source.match('{')) throw source.error('missing {');
      const name = source.getUntil('}', 'character name');
      throw new UnsupportedPythonRegex(`uses \\N{${name}}, a character by its Unicode name, which DeadPool cannot run: write the character itself or its \\u escape`);
    }
    return null;
  }

  private checkGroupName(name: string, offset: number): void {
    if (!IDENTIFIER.test(name)) throw this.source.error(`bad character in group name ${pyRepr(name)}`, len(name) + offset);
  }

  private checkLookbehindGroup(index: number): void {
    if (this.lookbehindGroups === null) return;
    if (this.openGroups.has(index)) throw this.source.error('cannot refer to an open group');
    if (index >= this.lookbehindGroups) throw this.source.error('cannot refer to group defined in the same lookbehind subpattern');
  }

  /** CPython's `getwidth`, for the fixed width its look-behinds need. */
  private widthOf(node: RegexNode | Alternation): Width {
    switch (node.type) {
      case 'alternation': {
        const widths = node.branches.map((branch) =>
          branch.reduce<Width>((sum, item) => {
            const width = this.widthOf(item);
            return { min: sum.min + width.min, max: sum.max + width.max };
          }, { min: 0, max: 0 }),
        );
        return { min: Math.min(...widths.map((w) => w.min)), max: Math.max(...widths.map((w) => w.max)) };
      }
      case 'char':
      case 'set':
      case 'any':
        return { min: 1, max: 1 };
      case 'anchor':
      case 'look':
        return { min: 0, max: 0 };
      case 'group':
      case 'atomic':
        return this.widthOf(node.body);
      case 'repeat': {
        const width = this.widthOf(node.body);
        return { min: width.min * node.min, max: width.max === 0 ? 0 : width.max * node.max };
      }
      case 'backref':
        return this.groupWidths.get(node.index) ?? { min: 0, max: 0 };
    }
  }
}

function single(value: number): SetItem {
  return { type: 'range', from: value, to: value };
}

function applyFlags(flags: RegexFlags, add: string, remove: string): RegexFlags {
  const next = { ...flags };
  const set = (letters: string, on: boolean): void => {
    for (const letter of letters) {
      if (letter === 'i') next.ignoreCase = on;
      else if (letter === 'm') next.multiline = on;
      else if (letter === 's') next.dotAll = on;
      else if (letter === 'x') next.verbose = on;
      else if (letter === 'a') next.ascii = on;
      else if (letter === 'u') next.ascii = false;
    }
  };
  set(add, true);
  set(remove, false);
  return next;
}

/** Python's `repr` of a str, as its messages quote names. */
function pyRepr(text: string): string {
  return text.includes("'") && !text.includes('"') ? `"${text}"` : `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

/** Parses a Python 3.11 `re` pattern; throws `InvalidPythonRegex` or `UnsupportedPythonRegex`. */
export function parsePythonRegex(pattern: string): ParsedRegex {
  return new Parser(pattern).parse();
}
