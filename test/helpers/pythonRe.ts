import { spawnSync } from 'node:child_process';

export interface PythonSearch {
  /** Group 0 of `re.search(pattern, text)`, or null when it finds nothing. */
  match: string | null;
  /** `str(error)` when Python refuses the pattern. */
  error: string | null;
}

export interface PythonAnswers {
  searches: PythonSearch[];
  /** `str(error)` of `re.compile`, or null when Python accepts the pattern. */
  compiles: (string | null)[];
  /** Per pattern: the code points (assigned in Python's Unicode) that `re.fullmatch` accepts alone, as [from, to] ranges. */
  classes: [number, number][][];
  /** The code points Python's Unicode database assigns, as [from, to] ranges. */
  assigned: [number, number][];
}

const SCRIPT = String.raw`
import json, re, sys, unicodedata, warnings
warnings.simplefilter('ignore')
table = json.load(sys.stdin)

def search(pattern, text):
    try:
        m = re.search(pattern, text)
        return {'match': None if m is None else m.group(0), 'error': None}
    except (re.error, OverflowError) as e:
        return {'match': None, 'error': str(e)}

def compiles(pattern):
    try:
        re.compile(pattern)
        return None
    except (re.error, OverflowError) as e:
        return str(e)

def ranges(codes):
    out = []
    for c in codes:
        if out and out[-1][1] == c - 1:
            out[-1][1] = c
        else:
            out.append([c, c])
    return out

every = ''.join(chr(c) for c in range(0x110000) if not 0xd800 <= c < 0xe000)
assigned = [ord(c) for c in every if unicodedata.category(c) != 'Cn']
classes = [ranges(ord(c) for c in re.findall(p, every) if unicodedata.category(c) != 'Cn') for p in table['classes']]
json.dump({
    'searches': [search(p, t) for p, t in table['searches']],
    'compiles': [compiles(p) for p in table['compiles']],
    'classes': classes,
    'assigned': ranges(assigned),
}, sys.stdout)
`;

/**
 * Python's own answers, from one python3 process. A machine without python3 fails the tests that
 * need it: they are the proof that DeadPool matches as Python does, and must not pass unnoticed.
 */
export function askPython(table: { searches: [string, string][]; compiles: string[]; classes: string[] }): PythonAnswers {
  const result = spawnSync('python3', ['-c', SCRIPT], { input: JSON.stringify(table), encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (result.error !== undefined) {
    throw new Error(`could not run python3 (${result.error.message}): install python3 and put it on PATH; these tests compare DeadPool's regexes with Python's re`);
  }
  if (result.status !== 0) throw new Error(`python3 failed (exit ${result.status}): ${result.stderr}`);
  return JSON.parse(result.stdout) as PythonAnswers;
}
