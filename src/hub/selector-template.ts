/**
 * RFC 6570 URI templates as topic selectors (Mercure 0.x `topic=`): does a topic look like an
 * expansion of the template?
 *
 * Why not a library: every JavaScript URI-template matcher compiles the template to a backtracking
 * `RegExp`, and `{a}{b}{c}…` then costs O(n^k) on a topic that almost matches: a subscriber could
 * stall the hub with one query parameter. The reference hub is safe only because Go's regexp is RE2.
 * Here the template compiles to a tiny program run by a Pike VM (Thompson's NFA simulation), which
 * visits each (topic position, instruction) pair at most once: O(topic length × template size),
 * whatever the template.
 *
 * Each expression matches a superset of its expansions: any run of the characters its operator can
 * produce, with the operator's prefix and separators. Prefix lengths (`{var:3}`) and the number of
 * variables are not enforced; that is the price of a linear, tiny matcher and it only ever widens
 * an expression by strings a publisher would not normally produce. Non-ASCII characters are
 * accepted wherever unreserved ones are, so IRI topics match.
 */

const OP_CHAR = 0;
const OP_CLASS = 1;
const OP_HEX = 2;
const OP_SPLIT = 3;
const OP_JMP = 4;
const OP_MATCH = 5;

/** Character-class flags. */
const UNRESERVED = 1;
const RESERVED = 2;
const COMMA = 4;
const EQUALS = 8;
const AMPERSAND = 16;
const COMMA_EQUALS = COMMA | EQUALS;

interface Program {
  /** Instruction opcodes. */
  op: Uint8Array;
  /** CHAR: the char code; CLASS: the flags; SPLIT/JMP: first target. */
  a: Int32Array;
  /** SPLIT: second target. */
  b: Int32Array;
}

/** A compiled template: `matches` is linear in the topic length. */
export interface TemplateMatcher {
  /** Whether the template has at least one expression (otherwise it is an exact string). */
  readonly hasExpressions: boolean;
  matches(topic: string): boolean;
}

const OPERATORS = new Set(['+', '#', '.', '/', ';', '?', '&']);
/** Reserved for future extensions by RFC 6570 §2.2: a template using them is not valid. */
const FUTURE_OPERATORS = new Set(['=', ',', '!', '@', '|']);
const VARSPEC =
  /^(?:[A-Za-z0-9_]|%[0-9A-Fa-f]{2})(?:\.?(?:[A-Za-z0-9_]|%[0-9A-Fa-f]{2}))*(?::[1-9][0-9]{0,3}|\*)?$/;

function isHex(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 70) || (code >= 97 && code <= 102);
}

function inClass(code: number, flags: number): boolean {
  if ((code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122)) return true;
  if (code === 45 || code === 46 || code === 95 || code === 126) return true; // - . _ ~
  if (code > 0x9f) return true; // IRI characters (ucschar); C1 controls excluded
  if ((flags & RESERVED) !== 0 && ":/?#[]@!$&'()*+,;=".includes(String.fromCharCode(code))) return true;
  if ((flags & COMMA) !== 0 && code === 44) return true;
  if ((flags & EQUALS) !== 0 && code === 61) return true;
  if ((flags & AMPERSAND) !== 0 && code === 38) return true;
  return false;
}

class ProgramBuilder {
  op: number[] = [];
  a: number[] = [];
  b: number[] = [];

  emit(op: number, a = 0, b = 0): number {
    this.op.push(op);
    this.a.push(a);
    this.b.push(b);
    return this.op.length - 1;
  }

  patch(pc: number, a: number, b?: number): void {
    this.a[pc] = a;
    if (b !== undefined) this.b[pc] = b;
  }

  get next(): number {
    return this.op.length;
  }

  literal(text: string): void {
    for (let i = 0; i < text.length; i++) this.emit(OP_CHAR, text.charCodeAt(i));
  }

  /** (class | %HEX HEX)* */
  classStar(flags: number): void {
    const loop = this.emit(OP_SPLIT);
    const pick = this.emit(OP_SPLIT);
    const oneChar = this.emit(OP_CLASS, flags);
    this.emit(OP_JMP, loop);
    const pct = this.emit(OP_CHAR, 37);
    this.emit(OP_HEX);
    this.emit(OP_HEX);
    this.emit(OP_JMP, loop);
    this.patch(loop, pick, this.next);
    this.patch(pick, oneChar, pct);
  }

  /** (prefix class*)* when `repeat`, else (prefix class*)? */
  prefixed(prefix: string, flags: number, repeat: boolean): void {
    const split = this.emit(OP_SPLIT);
    const body = this.next;
    this.emit(OP_CHAR, prefix.charCodeAt(0));
    this.classStar(flags);
    if (repeat) this.emit(OP_JMP, split);
    this.patch(split, body, this.next);
  }

  expression(operator: string, hasExplode: boolean): void {
    if (operator === '') {
      // Lists and several variables join with `,`; exploded associative arrays add `k=v`.
      this.classStar(UNRESERVED | COMMA | (hasExplode ? EQUALS : 0));
    } else if (operator === '+') {
      this.classStar(UNRESERVED | RESERVED);
    } else if (operator === '#') {
      this.prefixed('#', UNRESERVED | RESERVED, false);
    } else if (operator === '?') {
      this.prefixed('?', UNRESERVED | COMMA_EQUALS | AMPERSAND, false);
    } else {
      // `.`, `/`, `;`, `&`: each defined variable (or exploded item) adds prefix + value.
      this.prefixed(operator, UNRESERVED | COMMA_EQUALS, true);
    }
  }

  build(): Program {
    this.emit(OP_MATCH);
    return { op: Uint8Array.from(this.op), a: Int32Array.from(this.a), b: Int32Array.from(this.b) };
  }
}

/**
 * Parses `raw` as an RFC 6570 template (levels 1–4). Returns `undefined` when it is not one: the
 * 0.x hub then treats the selector as an exact string, as the reference hub does.
 */
export function compileTemplate(raw: string): TemplateMatcher | undefined {
  const builder = new ProgramBuilder();
  let expressions = 0;
  let i = 0;
  while (i < raw.length) {
    const open = raw.indexOf('{', i);
    const literalEnd = open === -1 ? raw.length : open;
    const literal = raw.slice(i, literalEnd);
    if (literal.includes('}')) return undefined;
    builder.literal(literal);
    if (open === -1) break;
    const close = raw.indexOf('}', open);
    if (close === -1) return undefined;
    const body = raw.slice(open + 1, close);
    if (body.includes('{')) return undefined;
    const first = body.charAt(0);
    if (FUTURE_OPERATORS.has(first)) return undefined;
    const operator = OPERATORS.has(first) ? first : '';
    const varspecs = body.slice(operator.length).split(',');
    if (varspecs.some((v) => !VARSPEC.test(v))) return undefined;
    builder.expression(
      operator,
      varspecs.some((v) => v.endsWith('*')),
    );
    expressions++;
    i = close + 1;
  }
  const program = builder.build();
  // Most templates start with a literal (`https://example.com/books/`): a topic without it is
  // rejected by one string comparison, which keeps many distinct templates cheap per new topic.
  const open = raw.indexOf('{');
  const prefix = raw.slice(0, open === -1 ? raw.length : open);
  return {
    hasExpressions: expressions > 0,
    matches: (topic) => topic.startsWith(prefix) && run(program, topic),
  };
}

/** Pike VM: advances every live thread one character at a time; a per-step mark dedupes threads. */
function run(program: Program, input: string): boolean {
  const size = program.op.length;
  let current = new Int32Array(size);
  let next = new Int32Array(size);
  const marks = new Int32Array(size);
  let generation = 1;
  let currentCount = addThread(program, current, 0, 0, marks, generation);
  for (let pos = 0; pos < input.length && currentCount > 0; pos++) {
    const code = input.charCodeAt(pos);
    generation++;
    let nextCount = 0;
    for (let t = 0; t < currentCount; t++) {
      const pc = current[t]!;
      if (accepts(program, pc, code)) {
        nextCount = addThread(program, next, nextCount, pc + 1, marks, generation);
      }
    }
    [current, next] = [next, current];
    currentCount = nextCount;
  }
  for (let t = 0; t < currentCount; t++) if (program.op[current[t]!] === OP_MATCH) return true;
  return false;
}

function accepts(program: Program, pc: number, code: number): boolean {
  switch (program.op[pc]) {
    case OP_CHAR:
      return program.a[pc] === code;
    case OP_CLASS:
      return inClass(code, program.a[pc]!);
    case OP_HEX:
      return isHex(code);
    default:
      return false;
  }
}

/** Follows SPLIT/JMP (epsilon) edges; records consuming instructions and MATCH. */
function addThread(
  program: Program,
  list: Int32Array,
  count: number,
  start: number,
  marks: Int32Array,
  generation: number,
): number {
  const stack = [start];
  let n = count;
  while (stack.length > 0) {
    const pc = stack.pop()!;
    if (marks[pc] === generation) continue;
    marks[pc] = generation;
    const op = program.op[pc];
    if (op === OP_JMP) stack.push(program.a[pc]!);
    else if (op === OP_SPLIT) stack.push(program.b[pc]!, program.a[pc]!);
    else list[n++] = pc;
  }
  return n;
}
