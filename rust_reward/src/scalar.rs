//! Scalar parsing: the small exact language of the fast path. `parse_answer` cleans a
//! canonicalised answer (`\left`/`\right`, spacing commands, `\dfrac`, degrees, a trailing
//! unit in `\text{…}`, a percent sign, a leading `\$`) and reads it as one of the [`Answer`]
//! shapes: a scalar, `x = scalar`, a bracketed tuple or interval, a set. Scalars are exact
//! [`Value`]s (integers, decimals, fractions, mixed numbers, `\sqrt`, `\pi`, powers).
//! Anything else is `None` (the caller then tries [`crate::poly`] or leaves it to math-verify).

use crate::canon::strip_wrapper;
use crate::cursor::Cursor;
use crate::value::{Value, MAX_DIGITS};
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::Signed;

/// Longest answer the fast path parses (characters); longer ones go to math-verify.
pub const MAX_ANSWER_LEN: usize = 2000;
/// Deepest nesting the recursive-descent parser follows.
const MAX_DEPTH: u32 = 64;

#[derive(Debug, Clone)]
pub(crate) struct Cleaned {
    pub(crate) text: String,
    pub(crate) percent: bool,
}

/// Units the fast path drops after a number when written as `\text{…}` / `\mathrm{…}`.
/// (All are removed by math-verify's own unit normalisation too.)
const UNITS: [&str; 32] = [
    "cm", "m", "km", "mm", "kg", "g", "inch", "inches", "feet", "ft", "meter", "meters", "metre",
    "metres", "degree", "degrees", "unit", "units", "hour", "hours", "minute", "minutes",
    "second", "seconds", "day", "days", "year", "years", "mph", "cents", "cent", "sq units",
];

const TEXT_CMDS: [&str; 6] = ["\\text", "\\mathrm", "\\textbf", "\\textrm", "\\mbox", "\\mathbf"];

/// Text commands math-verify's normaliser reads as `\text` (plus `\mbox`, which its unit rule
/// names itself).
const TEXT_LIKE: [&str; 9] = [
    "\\text{", "\\mbox{", "\\mathrm{", "\\mathit{", "\\mathbf{", "\\textbf{", "\\textit{", "\\textrm{",
    "\\textnormal{",
];

/// math-verify's unit rule (latex2sympy2_extended's `unit_superscript_regex`, applied with
/// `units=True`): everything from the first `\text{` (or `\mbox{`, or a command it rewrites to
/// `\text`) to the end is deleted when the answer ends with `}`, `}^d` or `}{^d}` and something
/// is left before it — `100\text{ square units}` is 100, `864 \mbox{ inches}^2` is 864.
/// Returns what is left, or `None` when the rule does not apply.
fn strip_trailing_text(t: &str) -> Option<&str> {
    let p = TEXT_LIKE.iter().filter_map(|c| t.find(c)).min()?;
    let tail = &t[p..];
    let b = tail.as_bytes();
    let n = b.len();
    let ends_ok = tail.ends_with('}')
        || (n >= 3 && b[n - 2] == b'^' && b[n - 1].is_ascii_digit() && b[n - 3] == b'}')
        || tail.ends_with("}{^2}")
        || tail.ends_with("}{^3}");
    if tail.contains('\n') || !ends_ok {
        return None;
    }
    let kept = t[..p].trim();
    if kept.is_empty() {
        None
    } else {
        Some(kept)
    }
}

pub(crate) fn clean_for_parse(s: &str) -> Option<Cleaned> {
    if s.is_empty() || s.len() > MAX_ANSWER_LEN || !s.is_ascii() || s.contains('\0') {
        return None;
    }
    let mut t = s.to_string();
    // \left( → (, \right] → ], \left. → nothing
    for (cmd, _) in [("\\left", 0), ("\\right", 1)] {
        let mut out = String::with_capacity(t.len());
        let mut rest = t.as_str();
        while let Some(p) = rest.find(cmd) {
            out.push_str(&rest[..p]);
            let after = &rest[p + cmd.len()..];
            let next = after.as_bytes().first().copied();
            match next {
                Some(b'(') | Some(b')') | Some(b'[') | Some(b']') | Some(b'|') => {}
                Some(b'.') => {
                    rest = &after[1..];
                    continue;
                }
                Some(b'\\') if after.starts_with("\\{") || after.starts_with("\\}") => {}
                _ => return None,
            }
            rest = after;
        }
        out.push_str(rest);
        t = out;
    }
    for (from, to) in [
        ("\\dfrac", "\\frac"),
        ("\\tfrac", "\\frac"),
        ("\\displaystyle", ""),
        ("^{\\circ}", ""),
        ("^\\circ", ""),
        ("\\qquad", " "),
        ("\\quad", " "),
        ("\\!", ""),
        ("\\,", " "),
        ("\\;", " "),
        ("\\:", " "),
        ("\\ ", " "),
    ] {
        if t.contains(from) {
            t = t.replace(from, to);
        }
    }
    let mut trimmed = t.trim().to_string();
    if let Some(kept) = strip_trailing_text(&trimmed) {
        trimmed = kept.to_string();
    }
    // Trailing unit in \text{…} and friends; empty \text{} anywhere.
    for cmd in TEXT_CMDS {
        while let Some(p) = trimmed.find(cmd) {
            let after = &trimmed[p + cmd.len()..];
            let ab = after.as_bytes();
            if ab.first() != Some(&b'{') {
                return None;
            }
            let close = after.find('}')?;
            let inner = after[1..close].trim();
            let tail = after[close + 1..].trim();
            let lower = inner.to_ascii_lowercase();
            let is_unit = UNITS.contains(&lower.as_str());
            // An empty `\text{}` is dropped only at either end: between two tokens it is a
            // separator to latex2sympy (`5\mathrm{}0` is 5^0 = 1 to it, not 50).
            let at_an_end = p == 0 || tail.is_empty();
            if (inner.is_empty() && at_an_end) || (is_unit && tail.is_empty() && p > 0) {
                trimmed = format!("{}{}", &trimmed[..p], &after[close + 1..]).trim().to_string();
            } else {
                return None;
            }
        }
    }
    let mut percent = false;
    for suf in ["\\%", "%"] {
        if let Some(rest) = trimmed.strip_suffix(suf) {
            trimmed = rest.trim_end().to_string();
            percent = true;
            break;
        }
    }
    if trimmed.contains('%') {
        return None;
    }
    if let Some(rest) = trimmed.strip_prefix("\\$") {
        trimmed = rest.trim_start().to_string();
    }
    if trimmed.contains('$') || trimmed.is_empty() {
        return None;
    }
    Some(Cleaned { text: trimmed, percent })
}

// ---------------------------------------------------------------- parsing

/// A parsed scalar: its exact value and whether a decimal literal took part.
#[derive(Debug, Clone, PartialEq)]
pub struct Num {
    pub value: Value,
    pub float: bool,
    /// The whole scalar is one numeric literal (math-verify's "atomic Number").
    pub atomic: bool,
    /// The literal is an integer (for math-verify's `50\% = 50` rule).
    pub atomic_int: bool,
    pub percent: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delim {
    Paren,   // ( )
    Bracket, // [ ]
    LParenRBracket,
    LBracketRParen,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    Scalar(Num),
    /// `x = 5` with a one-letter variable.
    Assign(u8, Num),
    /// `(a, b, …)` / `[a, b]` / `(a, b]` / `[a, b)`.
    Seq(Delim, Vec<Num>),
    /// `\{a, b\}` or a bare `a, b`.
    Set(Vec<Num>),
    /// `\begin{pmatrix} a & b \\ c & d \end{pmatrix}` (or `bmatrix`): rows, columns, the
    /// entries row by row.
    Matrix(usize, usize, Vec<Num>),
}

/// Most entries of a matrix the fast path reads.
const MAX_ENTRIES: usize = 64;

/// A `pmatrix` / `bmatrix` filling `s`, each entry a scalar; `None` otherwise.
fn parse_matrix(s: &str) -> Option<Answer> {
    let t = s.trim();
    let (open, close) = ["pmatrix", "bmatrix"].iter().find_map(|env| {
        let open = format!("\\begin{{{env}}}");
        let close = format!("\\end{{{env}}}");
        (t.starts_with(&open) && t.ends_with(&close)).then_some((open, close))
    })?;
    let body = &t[open.len()..t.len() - close.len()];
    if body.contains("\\begin") || body.contains("\\end") {
        return None;
    }
    let rows: Vec<&str> = body.trim().trim_end_matches("\\\\").split("\\\\").collect();
    let mut cols = None;
    let mut entries = Vec::new();
    for row in &rows {
        let cells: Vec<&str> = row.split('&').collect();
        if *cols.get_or_insert(cells.len()) != cells.len() {
            return None;
        }
        for cell in cells {
            let c = clean_for_parse(cell.trim())?;
            if c.percent || entries.len() >= MAX_ENTRIES {
                return None;
            }
            entries.push(parse_scalar(&c.text, false)?);
        }
    }
    Some(Answer::Matrix(rows.len(), cols?, entries))
}

/// Most factors in one implicit-multiplication chain.
const MAX_CHAIN: usize = 16;

/// The written shape of a chain factor (see `Parser::chain`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Factor {
    /// Digits only (`3`).
    Int,
    /// `\frac{digits}{digits}`, braces optional around one digit (`\frac12`).
    Frac,
    /// `\sqrt{…}` alone: latex2sympy keeps it unevaluated (`3\sqrt{4}` is 3·√4 = 6 to it).
    Sqrt,
    Other,
}

impl Factor {
    fn of(text: &[u8]) -> Factor {
        let t = std::str::from_utf8(text).unwrap_or("").trim();
        if !t.is_empty() && t.bytes().all(|c| c.is_ascii_digit()) {
            return Factor::Int;
        }
        if t.starts_with("\\sqrt") && !t.contains('^') {
            return Factor::Sqrt;
        }
        let Some(rest) = t.strip_prefix("\\frac") else { return Factor::Other };
        let mut c = Cursor::new(rest, 1);
        let group = |c: &mut Cursor| {
            if c.eat_byte(b'{') {
                c.ws();
                let ok = !c.digits(None).is_empty();
                ok && c.eat_byte(b'}')
            } else {
                c.ws();
                c.here().is_some_and(|d| d.is_ascii_digit()) && !c.digits(Some(1)).is_empty()
            }
        };
        if group(&mut c) && group(&mut c) && c.at_end() {
            Factor::Frac
        } else {
            Factor::Other
        }
    }
}

struct Parser<'a> {
    c: Cursor<'a>,
    /// A decimal literal took part.
    float: bool,
}

type PResult<T> = Result<T, ()>;

fn err<T>() -> PResult<T> {
    Err(())
}

impl<'a> Parser<'a> {
    fn new(s: &'a str) -> Self {
        Parser { c: Cursor::new(s, MAX_DEPTH), float: false }
    }

    fn ws(&mut self) {
        self.c.ws()
    }

    fn peek(&mut self) -> Option<u8> {
        self.c.peek()
    }

    fn eat(&mut self, s: &str) -> bool {
        self.c.eat(s)
    }

    fn at_end(&mut self) -> bool {
        self.c.at_end()
    }

    fn enter(&mut self) -> PResult<()> {
        self.c.enter().map_err(|_| ())
    }

    /// expr := ['-'] term (('+'|'-') term)*
    fn expr(&mut self) -> PResult<Value> {
        self.enter()?;
        let neg = self.eat("-");
        let mut v = self.term()?;
        if neg {
            v = v.neg();
        }
        loop {
            if self.eat("+") {
                let t = self.term()?;
                v = v.add(&t).map_err(|_| ())?;
            } else if self.peek() == Some(b'-') {
                self.c.i += 1;
                let t = self.term()?;
                v = v.sub(&t).map_err(|_| ())?;
            } else {
                break;
            }
        }
        self.c.leave();
        Ok(v)
    }

    /// term := chain (('*' | '\cdot' | '\times' | '/' | '\div') chain)*, left to right.
    /// The operands of the explicit operators are whole chains, as in latex2sympy
    /// (`7/3\frac{1}{2}` is 7 / (7/2)).
    fn term(&mut self) -> PResult<Value> {
        let mut v = self.chain()?;
        loop {
            if self.eat("*") || self.eat("\\cdot") || self.eat("\\times") {
                let r = self.chain()?;
                v = v.mul(&r).map_err(|_| ())?;
            } else if self.eat("/") || self.eat("\\div") {
                let r = self.chain()?;
                v = v.div(&r).map_err(|_| ())?.ok_or(())?;
            } else {
                break;
            }
        }
        Ok(v)
    }

    /// chain := power (power)* — implicit multiplication, each further factor starting with
    /// `\pi`, `\sqrt` or `\frac` — read the way latex2sympy reads it (its postfix list, folded
    /// from the right): where a factor f is an integer and the product r of the factors after
    /// it is a positive rational, f r is the mixed number f + r (`3\frac{1}{2}` = 7/2,
    /// `3\frac{4}{2}` = 5); otherwise f · r (`3\frac{1}{2}\pi` = 3π/2, `3\frac{0}{2}` = 0).
    /// The fast path takes the mixed reading only for its plain shape — an integer literal
    /// followed by one `\frac{int}{int}` — because whether latex2sympy sees an Integer and a
    /// Rational there depends on what its simplifier evaluates (`(3)\frac{1}{2}` is 7/2 to it,
    /// `2^3\frac{1}{2}` is 4): any other integer-then-positive-rational chain is refused, except
    /// a lone `\sqrt{…}` after the integer, which it keeps unevaluated (`3\sqrt{4}` = 6).
    fn chain(&mut self) -> PResult<Value> {
        let mut factors = vec![self.factor()?];
        while self.peek_cmd("\\pi") || self.peek_cmd("\\sqrt") || self.peek_cmd("\\frac") {
            if factors.len() >= MAX_CHAIN {
                return err();
            }
            factors.push(self.factor()?);
        }
        let (mut r, r_kind) = factors.pop().expect("one factor");
        let mut r_kind = Some(r_kind);
        while let Some((f, kind)) = factors.pop() {
            let f_integer = f.as_rational().is_some_and(|q| q.is_integer());
            let r_positive_rational = r.as_rational().is_some_and(|q| q.is_positive());
            let r_plain_frac = r_kind == Some(Factor::Frac);
            r = if f_integer && r_positive_rational && r_kind != Some(Factor::Sqrt) {
                if kind == Factor::Int && r_plain_frac {
                    f.add(&r).map_err(|_| ())? // a literal is ≥ 0: f + r
                } else {
                    return err();
                }
            } else {
                f.mul(&r).map_err(|_| ())?
            };
            r_kind = None;
        }
        Ok(r)
    }

    /// One factor of a chain and the shape of its text.
    fn factor(&mut self) -> PResult<(Value, Factor)> {
        self.ws();
        let start = self.c.i;
        let v = self.power()?;
        Ok((v, Factor::of(&self.c.b[start..self.c.i])))
    }

    fn peek_cmd(&mut self, cmd: &str) -> bool {
        self.c.at(cmd)
    }

    /// power := atom ['^' exponent]
    fn power(&mut self) -> PResult<Value> {
        let base = self.atom()?;
        if self.eat("^") {
            let e = if self.eat("{") {
                let e = self.expr()?;
                if !self.eat("}") {
                    return err();
                }
                e
            } else {
                self.ws();
                match self.c.b.get(self.c.i) {
                    Some(c) if c.is_ascii_digit() => {
                        self.c.i += 1;
                        Value::int((c - b'0') as i64)
                    }
                    _ => return err(),
                }
            };
            let n = e.as_small_int().ok_or(())?;
            return base.pow(n).map_err(|_| ())?.ok_or(());
        }
        Ok(base)
    }

    fn group(&mut self) -> PResult<Value> {
        if self.eat("{") {
            let v = self.expr()?;
            if !self.eat("}") {
                return err();
            }
            Ok(v)
        } else {
            // \frac12, \sqrt2: a single digit
            self.ws();
            match self.c.b.get(self.c.i) {
                Some(c) if c.is_ascii_digit() => {
                    self.c.i += 1;
                    Ok(Value::int((c - b'0') as i64))
                }
                _ => err(),
            }
        }
    }

    fn atom(&mut self) -> PResult<Value> {
        self.enter()?;
        let v = match self.peek() {
            Some(c) if c.is_ascii_digit() => self.number()?,
            // `.35625` is 0.35625 to math-verify too.
            Some(b'.') if self.c.b.get(self.c.i + 1).is_some_and(|c| c.is_ascii_digit()) => self.number()?,
            Some(b'(') => {
                self.c.i += 1;
                let v = self.expr()?;
                if !self.eat(")") {
                    return err();
                }
                v
            }
            Some(b'{') => self.group()?,
            Some(b'\\') => {
                if self.eat("\\frac") {
                    let n = self.group()?;
                    let d = self.group()?;
                    n.div(&d).map_err(|_| ())?.ok_or(())?
                } else if self.eat("\\sqrt") {
                    if self.peek() == Some(b'[') {
                        return err();
                    }
                    let r = self.group()?;
                    r.sqrt().map_err(|_| ())?.ok_or(())?
                } else if self.eat("\\pi") {
                    Value::pi()
                } else {
                    return err();
                }
            }
            _ => return err(),
        };
        self.c.leave();
        Ok(v)
    }

    /// digits [ '.' digits ] | '.' digits
    fn number(&mut self) -> PResult<Value> {
        self.ws();
        let s = self.c.i;
        while self.c.i < self.c.b.len() && self.c.b[self.c.i].is_ascii_digit() {
            self.c.i += 1;
        }
        let int_end = self.c.i;
        let mut frac = "";
        if self.c.i + 1 < self.c.b.len() && self.c.b[self.c.i] == b'.' && self.c.b[self.c.i + 1].is_ascii_digit() {
            self.c.i += 1;
            let fs = self.c.i;
            while self.c.i < self.c.b.len() && self.c.b[self.c.i].is_ascii_digit() {
                self.c.i += 1;
            }
            frac = std::str::from_utf8(&self.c.b[fs..self.c.i]).unwrap();
            self.float = true;
        }
        if self.c.i - s > MAX_DIGITS as usize {
            return err();
        }
        // A letter glued to a number (`1e3`, `5x`) is not ours.
        if let Some(c) = self.c.b.get(self.c.i) {
            if c.is_ascii_alphabetic() {
                return err();
            }
        }
        let int_s = std::str::from_utf8(&self.c.b[s..int_end]).unwrap();
        let digits = format!("{int_s}{frac}");
        let n: BigInt = digits.parse().map_err(|_| ())?;
        let d = num_traits::pow(BigInt::from(10), frac.len());
        Ok(Value::rational(BigRational::new(n, d)))
    }
}

/// One scalar expression filling `s` entirely.
pub(crate) fn parse_scalar(s: &str, percent: bool) -> Option<Num> {
    let mut p = Parser::new(s);
    let v = p.expr().ok()?;
    if !p.at_end() {
        return None;
    }
    let t = s.trim();
    let body = t.strip_prefix('-').unwrap_or(t).trim_start();
    let atomic = !body.is_empty() && body.bytes().all(|c| c.is_ascii_digit() || c == b'.');
    let atomic_int = atomic && !p.float;
    Some(Num { value: v, float: p.float, atomic, atomic_int, percent })
}

/// Split at top-level commas (outside (), [], {}).
pub(crate) fn split_top(s: &str) -> Option<Vec<&str>> {
    let b = s.as_bytes();
    let mut depth: i32 = 0;
    let mut parts = Vec::new();
    let mut last = 0;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => {
                // \{ \} count as brackets for nesting purposes
                if i + 1 < b.len() && (b[i + 1] == b'{') {
                    depth += 1;
                } else if i + 1 < b.len() && (b[i + 1] == b'}') {
                    depth -= 1;
                }
                i += 2;
                continue;
            }
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth -= 1,
            b',' if depth == 0 => {
                parts.push(&s[last..i]);
                last = i + 1;
            }
            _ => {}
        }
        if depth < 0 {
            return None;
        }
        i += 1;
    }
    if depth != 0 {
        return None;
    }
    parts.push(&s[last..]);
    Some(parts)
}

/// The bracket opening `t` closes at its last character.
fn wraps_whole(t: &str) -> bool {
    let b = t.as_bytes();
    let mut depth = 0i32;
    for (i, &c) in b.iter().enumerate() {
        match c {
            b'(' | b'[' => depth += 1,
            b')' | b']' => depth -= 1,
            _ => {}
        }
        if depth == 0 {
            return i == b.len() - 1;
        }
    }
    false
}

/// `\{ … \}` where the opening `\{` closes at the end.
fn wraps_whole_set(t: &str) -> bool {
    let b = t.as_bytes();
    let mut depth = 0i32;
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 1 < b.len() {
            if b[i + 1] == b'{' {
                depth += 1;
            } else if b[i + 1] == b'}' {
                depth -= 1;
                if depth == 0 {
                    return i + 2 == b.len();
                }
            }
            i += 2;
            continue;
        }
        i += 1;
    }
    false
}

fn parse_elems(parts: &[&str]) -> Option<Vec<Num>> {
    if parts.len() > 64 {
        return None;
    }
    parts.iter().map(|p| parse_scalar(p.trim(), false)).collect()
}

/// Parse a canonicalised answer; `None` when it is outside the fast path's language.
pub fn parse_answer(s: &str) -> Option<Answer> {
    if s.trim_start().starts_with("\\begin{") {
        return parse_matrix(s);
    }
    let c = clean_for_parse(s)?;
    let t = c.text.as_str();
    // x = value
    if let Some(eq) = t.find('=') {
        if c.percent {
            return None;
        }
        let lhs = t[..eq].trim();
        let rhs = t[eq + 1..].trim();
        let lb = lhs.as_bytes();
        if lb.len() == 1 && lb[0].is_ascii_alphabetic() && !rhs.contains('=') {
            // `e` and `i` are constants to math-verify, not variables.
            if matches!(lb[0], b'e' | b'i' | b'E' | b'I') {
                return None;
            }
            return Some(Answer::Assign(lb[0], parse_scalar(rhs, false)?));
        }
        return None;
    }
    let b = t.as_bytes();
    let (first, last) = (b[0], b[b.len() - 1]);
    // A sequence fully wrapped in one pair of brackets: the opening bracket's partner is the
    // last character.
    if (first == b'(' || first == b'[') && (last == b')' || last == b']') && wraps_whole(t) {
        let inner = &t[1..t.len() - 1];
        let ps = split_top(inner)?;
        if ps.len() >= 2 {
            if c.percent {
                return None;
            }
            let delim = match (first, last) {
                (b'(', b')') => Delim::Paren,
                (b'[', b']') => Delim::Bracket,
                (b'(', b']') => Delim::LParenRBracket,
                _ => Delim::LBracketRParen,
            };
            return Some(Answer::Seq(delim, parse_elems(&ps)?));
        }
        if first != b'(' || last != b')' {
            return None; // [a], (a] …
        }
    }
    if let Some(inner) = strip_wrapper(t, "\\{", "\\}") {
        if wraps_whole_set(t) {
            if c.percent {
                return None;
            }
            let ps = split_top(inner)?;
            return Some(Answer::Set(parse_elems(&ps)?));
        }
    }
    let parts = split_top(t)?;
    if parts.len() == 1 {
        return Some(Answer::Scalar(parse_scalar(t, c.percent)?));
    }
    if c.percent {
        return None;
    }
    // A bare list `a, b`: math-verify reads it as a set.
    Some(Answer::Set(parse_elems(&parts)?))
}
