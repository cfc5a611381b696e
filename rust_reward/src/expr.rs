//! Expressions in variables, read the way math-verify (latex2sympy2_extended) reads them, for
//! the randomized identity test of [`crate::identity`].
//!
//! `parse` turns a canonicalised answer into an [`Expr`] tree: rational and decimal literals,
//! variables, `e` (Euler's number), `\pi`, `+ - * /`, `\cdot`, `\times`, `\div`, juxtaposition,
//! `^`, `\frac`, `\sqrt`, `\sqrt[n]`, `!` and the functions `\sin \cos \tan \sec \csc \cot
//! \arcsin \arccos \arctan \sinh \cosh \tanh \exp \ln \log \log_b`. Anything else is `None`.
//!
//! The language is cut to what math-verify reads as the same expression (each rule checked
//! against it, see tests/scoring/test_expr_agreement.py):
//! * a variable is a letter or a Greek command (`\Delta` is `\delta`), with an optional
//!   subscript of digits or one lowercase letter (`x_0` and `x_{0}` are one symbol); capitals
//!   are the lowercase letter (it lower-cases them: `N + 1` = `n + 1`), except `E` and `I`,
//!   which it reads as other things than `e`/`i` (`I` is the imaginary unit); `i` is a plain
//!   symbol, real or complex with the string ([`complex_mode`]); `d` is refused (differentials);
//! * `e` is Euler's number (`e^{x}` is exp x); an e-literal (`1.77e-6`, `3e8`) is refused: the
//!   fast path reads it as m · 10^k ([`crate::enotation`]), math-verify as 1.77·e − 6;
//! * `\log` is the base-10 logarithm, `\ln` the natural one;
//! * explicit `/`, `*` take whole juxtaposition chains as operands (`1/2x` is 1/(2x));
//! * a function's argument is a group `(…)` / `{…}`, or one number or variable that ends the
//!   term (`\cos 2t` is cos(2) with `t` deleted as a unit to it, so it is refused);
//! * at most two plain letters in a row without a space (`sin`, `log`, `or` without a
//!   backslash are words to it; `L C s` is three symbols), no digit after a factor, no integer-times-
//!   fraction chain (a mixed number to it), no trailing letters it may delete as a unit
//!   ([`crate::poly::may_end_in_unit`]).
//!
//! Every size is bounded; over a bound is `None`.

use crate::cursor::Cursor;
use num_bigint::BigInt;
use num_rational::BigRational;

/// Longest input parsed.
const MAX_LEN: usize = 600;
/// Deepest nesting followed.
const MAX_DEPTH: u32 = 40;
/// Most nodes in one tree.
const MAX_NODES: usize = 400;
/// Longest number literal (digits).
const MAX_LITERAL_DIGITS: usize = 60;

/// The functions of the language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    Sin,
    Cos,
    Tan,
    Sec,
    Csc,
    Cot,
    Asin,
    Acos,
    Atan,
    Sinh,
    Cosh,
    Tanh,
    Exp,
    Ln,
}

const FUNCS: [(&str, Func); 14] = [
    ("\\arcsin", Func::Asin),
    ("\\arccos", Func::Acos),
    ("\\arctan", Func::Atan),
    ("\\sinh", Func::Sinh),
    ("\\cosh", Func::Cosh),
    ("\\tanh", Func::Tanh),
    ("\\sin", Func::Sin),
    ("\\cos", Func::Cos),
    ("\\tan", Func::Tan),
    ("\\sec", Func::Sec),
    ("\\csc", Func::Csc),
    ("\\cot", Func::Cot),
    ("\\exp", Func::Exp),
    ("\\ln", Func::Ln),
];

const GREEK: [&str; 22] = [
    "alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta", "kappa",
    "lambda", "mu", "nu", "xi", "rho", "sigma", "tau", "phi", "varphi", "chi", "psi", "omega",
];

/// Capital Greek letters math-verify lower-cases (`\Delta` is `\delta` to it); `\Gamma`,
/// `\Pi`, `\Sigma` are left out (a function, a product, a sum to some readers).
const CAPITAL_GREEK: [&str; 6] = ["Delta", "Theta", "Lambda", "Phi", "Psi", "Omega"];

/// An expression tree.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// An exact literal; the flag says it was written with a decimal point.
    Num(BigRational, bool),
    /// A variable, by name (`x`, `x_0`, `omega_n`).
    Var(String),
    E,
    Pi,
    Add(Box<Expr>, Box<Expr>),
    Sub(Box<Expr>, Box<Expr>),
    Mul(Box<Expr>, Box<Expr>),
    Div(Box<Expr>, Box<Expr>),
    Neg(Box<Expr>),
    Pow(Box<Expr>, Box<Expr>),
    /// The principal n-th root.
    Root(u32, Box<Expr>),
    /// log_base(arg).
    Log(Box<Expr>, Box<Expr>),
    Fn(Func, Box<Expr>),
    /// n! of a non-negative integer constant.
    Fact(Box<Expr>),
}

impl Expr {
    fn num(n: i64) -> Expr {
        Expr::Num(BigRational::from_integer(BigInt::from(n)), false)
    }

    /// The value when the tree is a bare literal.
    pub fn as_literal(&self) -> Option<&BigRational> {
        match self {
            Expr::Num(q, _) => Some(q),
            _ => None,
        }
    }

    /// Visit every node.
    pub fn walk(&self, f: &mut impl FnMut(&Expr)) {
        f(self);
        match self {
            Expr::Num(..) | Expr::Var(_) | Expr::E | Expr::Pi => {}
            Expr::Add(a, b) | Expr::Sub(a, b) | Expr::Mul(a, b) | Expr::Div(a, b) | Expr::Pow(a, b) | Expr::Log(a, b) => {
                a.walk(f);
                b.walk(f);
            }
            Expr::Neg(a) | Expr::Root(_, a) | Expr::Fn(_, a) | Expr::Fact(a) => a.walk(f),
        }
    }

    /// The variable names, sorted and deduplicated.
    pub fn variables(&self) -> Vec<String> {
        let mut out = Vec::new();
        self.walk(&mut |e| {
            if let Expr::Var(v) = e {
                out.push(v.clone());
            }
        });
        out.sort();
        out.dedup();
        out
    }

    /// A decimal literal occurs.
    pub fn has_decimal(&self) -> bool {
        let mut d = false;
        self.walk(&mut |e| d |= matches!(e, Expr::Num(_, true)));
        d
    }

    /// Only literals and arithmetic: no variable, constant, root or function.
    pub fn is_rational_constant(&self) -> bool {
        let mut ok = true;
        self.walk(&mut |e| ok &= matches!(e, Expr::Num(..) | Expr::Add(..) | Expr::Sub(..) | Expr::Mul(..) | Expr::Div(..) | Expr::Neg(_) | Expr::Pow(..) | Expr::Fact(_)));
        ok
    }

    fn size(&self) -> usize {
        let mut n = 0;
        self.walk(&mut |_| n += 1);
        n
    }
}

/// Rewrites the commands the grammar reads as plain tokens; `None` for text outside the
/// language (non-ASCII, `\text`, `%`, `=`, brackets other than parentheses …).
fn prepare(s: &str) -> Option<String> {
    if s.is_empty() || s.len() > MAX_LEN || !s.is_ascii() {
        return None;
    }
    let mut t = s.to_string();
    for (from, to) in [
        ("\\left(", "("),
        ("\\right)", ")"),
        ("\\dfrac", "\\frac"),
        ("\\tfrac", "\\frac"),
        ("\\displaystyle", ""),
        ("\\cdot", "*"),
        ("\\times", "*"),
        ("\\div", "/"),
        ("\\,", " "),
        ("\\;", " "),
        ("\\:", " "),
        ("\\!", ""),
        ("\\ ", " "),
        ("\\quad", " "),
    ] {
        if t.contains(from) {
            t = t.replace(from, to);
        }
    }
    let ok = t.bytes().all(|c| {
        c.is_ascii_alphanumeric()
            || matches!(c, b'\\' | b'+' | b'-' | b'*' | b'/' | b'^' | b'_' | b'(' | b')' | b'{' | b'}' | b'[' | b']' | b'!' | b'.' | b' ' | b'\t' | b'\n')
    });
    if !ok || t.contains("\\left") || t.contains("\\right") {
        return None;
    }
    Some(t)
}

struct Parser<'a> {
    c: Cursor<'a>,
}

type R<T> = Result<T, ()>;

fn bx(e: Expr) -> Box<Expr> {
    Box::new(e)
}

/// What a factor of a juxtaposition chain looked like (for the letter-run and mixed-number
/// rules).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// A bare plain letter (no subscript, no exponent).
    Letter,
    /// An integer literal.
    Int,
    /// `\frac{int}{int}`.
    IntFrac,
    Other,
}

impl<'a> Parser<'a> {
    fn enter(&mut self) -> R<()> {
        self.c.enter().map_err(|_| ())
    }

    /// expr := ['-' | '+'] term (('+'|'-') term)*
    fn expr(&mut self) -> R<Expr> {
        self.enter()?;
        let mut v = if self.c.eat_byte(b'-') {
            Expr::Neg(bx(self.term()?))
        } else {
            self.c.eat_byte(b'+');
            self.term()?
        };
        loop {
            if self.c.eat_byte(b'+') {
                v = Expr::Add(bx(v), bx(self.term()?));
            } else if self.c.eat_byte(b'-') {
                v = Expr::Sub(bx(v), bx(self.term()?));
            } else {
                break;
            }
        }
        self.c.leave();
        Ok(v)
    }

    /// term := chain (('*' | '/') chain)*, left to right.
    fn term(&mut self) -> R<Expr> {
        let mut v = self.chain()?;
        loop {
            if self.c.eat_byte(b'*') {
                v = Expr::Mul(bx(v), bx(self.chain()?));
            } else if self.c.eat_byte(b'/') {
                v = Expr::Div(bx(v), bx(self.chain()?));
            } else {
                break;
            }
        }
        Ok(v)
    }

    /// True when a further factor of a juxtaposition chain starts here.
    fn factor_follows(&mut self) -> bool {
        match self.c.peek() {
            Some(c) if c.is_ascii_alphabetic() => true,
            Some(b'(') => true,
            Some(b'\\') => !self.c.at("\\}"),
            // A number after a closing parenthesis (`(n-2) 2^{n}`) is a factor to latex2sympy;
            // after anything else (`x2`, `2 3`) it is read otherwise.
            Some(c) if c.is_ascii_digit() => self.c.b[..self.c.i].iter().rev().find(|c| !c.is_ascii_whitespace()) == Some(&b')'),
            _ => false,
        }
    }

    /// chain := factor factor* (juxtaposition).
    fn chain(&mut self) -> R<Expr> {
        let (mut v, shape) = self.factor()?;
        let mut run = u32::from(shape == Shape::Letter);
        loop {
            if !self.factor_follows() {
                break;
            }
            // Letters apart (`L C s`) are separate symbols to it; a run (`sin`) may be a word.
            let spaced = self.c.i > 0 && self.c.b[self.c.i - 1].is_ascii_whitespace();
            let (f, s) = self.factor()?;
            // Two rational constants side by side may be a mixed number to latex2sympy
            // (`3\frac{1}{2}` is 7/2, `2(5)` is 7; `2^3\frac{1}{2}` depends on its simplifier).
            if v.is_rational_constant() && (s == Shape::IntFrac || f.is_rational_constant()) {
                return Err(());
            }
            run = match s {
                Shape::Letter if spaced => 1,
                Shape::Letter => run + 1,
                _ => 0,
            };
            if run > 2 {
                return Err(());
            }
            v = Expr::Mul(bx(v), bx(f));
        }
        Ok(v)
    }

    /// factor := primary ['^' exponent] ['!']
    fn factor(&mut self) -> R<(Expr, Shape)> {
        self.c.ws();
        let (mut base, mut shape) = self.primary()?;
        if self.c.eat_byte(b'^') {
            let e = self.exponent()?;
            if self.c.peek() == Some(b'^') {
                return Err(()); // a^b^c: associativity differs between readers
            }
            // `e^{\log b}` is b to latex2sympy (its \log is base 10 elsewhere): refused.
            if base == Expr::E {
                let mut has_log = false;
                e.walk(&mut |n| has_log |= matches!(n, Expr::Log(..)));
                if has_log {
                    return Err(());
                }
            }
            base = Expr::Pow(bx(base), bx(e));
            // (`3\frac{1}{2}^2` still starts with a fraction of integers.)
            if shape != Shape::IntFrac {
                shape = Shape::Other;
            }
        }
        if self.c.eat_byte(b'!') {
            if self.c.peek() == Some(b'!') {
                return Err(()); // double factorial
            }
            base = Expr::Fact(bx(base));
            if shape != Shape::IntFrac {
                shape = Shape::Other;
            }
        }
        Ok((base, shape))
    }

    /// `{expr}`, one digit or one letter.
    fn exponent(&mut self) -> R<Expr> {
        self.braced_or_single(true)
    }

    /// `{expr}` or a single digit (`\frac12`, `\sqrt2`).
    fn group(&mut self) -> R<Expr> {
        self.braced_or_single(false)
    }

    /// `{expr}`, one digit, or (when `letter_ok`) one letter.
    fn braced_or_single(&mut self, letter_ok: bool) -> R<Expr> {
        if self.c.eat_byte(b'{') {
            let e = self.expr()?;
            return if self.c.eat_byte(b'}') { Ok(e) } else { Err(()) };
        }
        self.c.ws();
        match self.c.here() {
            Some(c) if c.is_ascii_digit() => {
                self.c.i += 1;
                Ok(Expr::num((c - b'0') as i64))
            }
            Some(c) if letter_ok && c.is_ascii_alphabetic() => {
                self.c.i += 1;
                letter(c)
            }
            _ => Err(()),
        }
    }

    /// An optional subscript after a variable: digits or one lowercase letter, braced or not.
    fn subscript(&mut self) -> R<Option<String>> {
        if self.c.here() != Some(b'_') {
            return Ok(None);
        }
        self.c.i += 1;
        let braced = self.c.eat_byte(b'{');
        self.c.ws();
        let s = self.c.i;
        match self.c.here() {
            Some(c) if c.is_ascii_digit() => {
                if braced {
                    self.c.digits(Some(4));
                } else {
                    self.c.i += 1;
                }
            }
            Some(c) if c.is_ascii_lowercase() && !matches!(c, b'e' | b'i') => self.c.i += 1,
            _ => return Err(()),
        }
        let sub = std::str::from_utf8(&self.c.b[s..self.c.i]).map_err(|_| ())?.to_string();
        if braced && !self.c.eat_byte(b'}') {
            return Err(());
        }
        Ok(Some(sub))
    }

    /// A function's argument: a group, or one number or variable ending the term.
    fn func_arg(&mut self) -> R<Expr> {
        match self.c.peek() {
            Some(b'(') => {
                self.c.i += 1;
                let e = self.expr()?;
                if !self.c.eat_byte(b')') {
                    return Err(());
                }
                Ok(e)
            }
            Some(b'{') => self.group(),
            _ => {
                let (e, shape) = self.primary()?;
                if !matches!(shape, Shape::Int | Shape::Letter) && !matches!(e, Expr::Var(_)) {
                    return Err(());
                }
                // The argument must end the term: `\cos 2t` is not cos(2t) to math-verify.
                match self.c.peek() {
                    None | Some(b'+') | Some(b'-') | Some(b')') | Some(b'}') => Ok(e),
                    _ => Err(()),
                }
            }
        }
    }

    fn primary(&mut self) -> R<(Expr, Shape)> {
        self.enter()?;
        let out = match self.c.peek() {
            Some(c) if c.is_ascii_digit() || c == b'.' => self.number()?,
            Some(c) if c.is_ascii_alphabetic() => {
                self.c.i += 1;
                let v = letter(c)?;
                let sub = self.subscript()?;
                match (v, sub) {
                    (Expr::Var(name), Some(s)) => (Expr::Var(format!("{name}_{s}")), Shape::Other),
                    (Expr::E, Some(_)) => return Err(()),
                    (Expr::E, None) => (Expr::E, Shape::Other),
                    (v, None) => (v, Shape::Letter),
                    _ => return Err(()),
                }
            }
            Some(b'(') => {
                self.c.i += 1;
                let e = self.expr()?;
                if !self.c.eat_byte(b')') {
                    return Err(());
                }
                (e, Shape::Other)
            }
            Some(b'{') => (self.group()?, Shape::Other),
            Some(b'\\') => self.command()?,
            _ => return Err(()),
        };
        self.c.leave();
        Ok(out)
    }

    fn command(&mut self) -> R<(Expr, Shape)> {
        if self.c.eat("\\frac") {
            let n = self.group()?;
            let d = self.group()?;
            let shape = if matches!((&n, &d), (Expr::Num(a, false), Expr::Num(b, false)) if a.is_integer() && b.is_integer()) {
                Shape::IntFrac
            } else {
                Shape::Other
            };
            return Ok((Expr::Div(bx(n), bx(d)), shape));
        }
        if self.c.eat("\\sqrt") {
            let mut n = 2u32;
            if self.c.eat_byte(b'[') {
                self.c.ws();
                let d = self.c.digits(Some(2));
                n = d.parse().map_err(|_| ())?;
                if n < 2 || !self.c.eat_byte(b']') {
                    return Err(());
                }
            }
            let r = self.group()?;
            return Ok((Expr::Root(n, bx(r)), Shape::Other));
        }
        if self.c.eat("\\pi") {
            return Ok((Expr::Pi, Shape::Other));
        }
        if self.c.eat("\\log") {
            let base = if self.c.eat_byte(b'_') { self.group()? } else { Expr::num(10) };
            let arg = self.func_arg()?;
            return Ok((Expr::Log(bx(base), bx(arg)), Shape::Other));
        }
        for (name, f) in FUNCS {
            if self.c.eat(name) {
                // `\sin^2 x` is sin(x)²; `\sin^{-1}` is refused (arcsin or 1/sin).
                let mut power = None;
                if self.c.eat_byte(b'^') {
                    self.c.ws();
                    let braced = self.c.eat_byte(b'{');
                    let d = self.c.digits(Some(1));
                    let k: i64 = d.parse().map_err(|_| ())?;
                    if braced && !self.c.eat_byte(b'}') {
                        return Err(());
                    }
                    power = Some(k);
                }
                let arg = self.func_arg()?;
                let mut e = Expr::Fn(f, bx(arg));
                if let Some(k) = power {
                    e = Expr::Pow(bx(e), bx(Expr::num(k)));
                }
                return Ok((e, Shape::Other));
            }
        }
        for g in GREEK.iter().chain(CAPITAL_GREEK.iter()) {
            let cmd = format!("\\{g}");
            if self.c.eat(&cmd) {
                let name = g.trim_start_matches("var").to_ascii_lowercase();
                let name = if name == "epsilon" { "epsilon".to_string() } else { name };
                return Ok(match self.subscript()? {
                    Some(s) => (Expr::Var(format!("{name}_{s}")), Shape::Other),
                    None => (Expr::Var(name), Shape::Other),
                });
            }
        }
        Err(())
    }

    /// digits ['.' digits] or '.' digits.
    fn number(&mut self) -> R<(Expr, Shape)> {
        self.c.ws();
        let int_part = self.c.digits(None);
        let mut frac = "";
        let mut decimal = false;
        if self.c.here() == Some(b'.') && self.c.b.get(self.c.i + 1).is_some_and(|c| c.is_ascii_digit()) {
            self.c.i += 1;
            frac = self.c.digits(None);
            decimal = true;
        }
        if int_part.is_empty() && frac.is_empty() {
            return Err(());
        }
        if int_part.len() + frac.len() > MAX_LITERAL_DIGITS {
            return Err(());
        }
        // `1./3`: a dot not followed by digits is not ours.
        if self.c.here() == Some(b'.') {
            return Err(());
        }
        // An e-literal (`1.77e-6`, `3e8`) is m · 10^k to the fast path ([`crate::enotation`]),
        // not the m · e − k math-verify reads: not ours.
        let rest = &self.c.b[self.c.i..];
        if matches!(rest.first(), Some(b'e') | Some(b'E')) {
            let after = rest.get(1).copied();
            let after = if matches!(after, Some(b'+') | Some(b'-')) { rest.get(2).copied() } else { after };
            if after.is_some_and(|c| c.is_ascii_digit()) {
                return Err(());
            }
        }
        let digits = format!("{int_part}{frac}");
        let n: BigInt = digits.parse().map_err(|_| ())?;
        let d = num_traits::pow(BigInt::from(10), frac.len());
        let shape = if decimal { Shape::Other } else { Shape::Int };
        Ok((Expr::Num(BigRational::new(n, d), decimal), shape))
    }
}

/// A plain letter: `e` is Euler's number, `E`, `I` (the imaginary unit to it), `d`/`D` are
/// refused (module docs), other capitals are their lowercase letter; `i` is a plain symbol.
fn letter(c: u8) -> R<Expr> {
    match c {
        b'e' => Ok(Expr::E),
        b'E' | b'I' | b'd' | b'D' => Err(()),
        c if c.is_ascii_alphabetic() => Ok(Expr::Var(((c.to_ascii_lowercase()) as char).to_string())),
        _ => Err(()),
    }
}

/// math-verify's complex mode (its `should_treat_as_complex`, on the string its normaliser
/// leaves: `\!` and the spaces after it, dollar signs and quotes deleted, so `2\! i` is `2i`): a
/// standalone `i` (no letter, digit or `_` on either side), `\i`, `\text{i}`, `\mathrm{i}`,
/// `\imath`, `\mathbb{C}`, or one of its matrix markers (`\det`, `\operatorname{tr}`, …). It
/// then makes the string's symbols complex, otherwise real: `x` from a string in one mode is a
/// different symbol from `x` in the other (`6-5i` against `6-5 i` is False to it). `i` itself is a
/// plain symbol in both modes, never the imaginary unit.
pub fn complex_mode(s: &str) -> bool {
    const MARKERS: [&str; 15] = [
        "\\mathbb{C}", "\\text{i}", "\\mathrm{i}", "\\imath", "\\det", "\\operatorname{tr}",
        "\\operatorname{rank}", "\\text{rank}", "\\arg{", "\\Re{", "\\Im{", "\\operatorname{Re}",
        "\\operatorname{Im}", "\\text{Re}", "\\text{Im}",
    ];
    let t = crate::mvstring::remove_tokens(s);
    let chars: Vec<char> = t.chars().collect();
    // Python's `\b` with str patterns: word characters are Unicode alphanumerics and `_`.
    let word = |c: Option<&char>| c.is_some_and(|c| c.is_alphanumeric() || *c == '_');
    let standalone = (0..chars.len()).any(|k| chars[k] == 'i' && !word(k.checked_sub(1).and_then(|j| chars.get(j))) && !word(chars.get(k + 1)));
    // `\i` counts only as a whole command (`\i\b`), not as the start of `\int` or `\infty`.
    let bare_i = t.match_indices("\\i").any(|(k, _)| !word(t[k + 2..].chars().next().as_ref()));
    standalone || bare_i || MARKERS.iter().any(|m| t.contains(m))
}

/// The expression written by `s`, or `None` outside the language (module docs).
pub fn parse(s: &str) -> Option<Expr> {
    let s = s.trim();
    if s.len() > MAX_LEN {
        return None;
    }
    if s.contains("or") || crate::poly::may_end_in_unit(s) {
        return None;
    }
    let t = prepare(s)?;
    if crate::poly::may_end_in_unit(&t) {
        return None;
    }
    let mut p = Parser { c: Cursor::new(&t, MAX_DEPTH) };
    let e = p.expr().ok()?;
    if !p.c.at_end() || e.size() > MAX_NODES {
        return None;
    }
    Some(e)
}

/// True when `s` holds `<`, `>` or a command that may be a relation: any whose name starts
/// with `le`, `ge`, `ne`, `lt`, `gt`, `nl` or `ng` (`\le`, `\leqslant`, `\neq`, `\ngeq`), but
/// `\left`, the sizing command.
pub(crate) fn has_relation(s: &str) -> bool {
    if s.contains('<') || s.contains('>') {
        return true;
    }
    s.match_indices('\\').any(|(p, _)| {
        let name: String = s[p + 1..].chars().take_while(|c| c.is_ascii_alphabetic()).collect();
        name != "left" && ["le", "ge", "ne", "lt", "gt", "nl", "ng"].iter().any(|r| name.starts_with(r))
    })
}

/// `lhs = rhs` where the left side is one variable or `f(x, …)` (a letter applied to
/// variables), as math-verify's assignments: (the left side as written without spaces, rhs).
pub fn assignment(s: &str) -> Option<(String, &str)> {
    let (lhs, rhs) = s.split_once('=')?;
    if rhs.contains('=') || has_relation(s) {
        return None;
    }
    let mut l: String = lhs.chars().filter(|c| !c.is_whitespace()).collect();
    // A capital is its lowercase letter to math-verify (`M = …` is `m = …`), but E, I, D.
    if l.len() == 1 && l.as_bytes()[0].is_ascii_uppercase() && !matches!(l.as_bytes()[0], b'E' | b'I' | b'D') {
        l = l.to_ascii_lowercase();
    }
    let b = l.as_bytes();
    let var_ok = |c: u8| c.is_ascii_lowercase() && !matches!(c, b'd' | b'e' | b'i');
    let plain = b.len() == 1 && var_ok(b[0]);
    let call = b.len() >= 4
        && var_ok(b[0])
        && b[1] == b'('
        && b[b.len() - 1] == b')'
        && l[2..l.len() - 1].split(',').all(|a| a.len() == 1 && var_ok(a.as_bytes()[0]));
    if !(plain || call) {
        return None;
    }
    Some((l, rhs.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_like_math_verify() {
        assert!(parse("\\frac{2 \\pi}{\\omega}").is_some());
        assert!(parse("x / 2-1 / 4+c e^{-2 x}").is_some());
        assert!(parse("\\sqrt[3]{7}").is_some());
        assert!(parse("\\log_{2} 8").is_some());
        assert!(parse("C_{1} e^{t}+C_{2} e^{-t}").is_some());
        assert!(parse("2e^{x}").is_some());
        assert!(parse("\\frac{1}{L C s^{2}+R C s+1}").is_some());
        assert!(parse("LCs").is_none());
        assert_eq!(parse("N+1"), parse("n+1"));
        assert_eq!(parse("\\Delta x"), parse("\\delta x"));
        assert_eq!(parse("x_0"), parse("x_{0}"));
        // refused
        for s in ["\\cos 2t", "\\frac{37}{4} m", "3\\frac{1}{2}", "sin x", "E+1", "I+1", "x2", "a^b^c",
            "\\text{x}", "x = 1", "e^{\\log(b)}", "2(5)", "(2)(6)", "1.77e-6", "3e8", "1./3", "\\sin^{-1} x", "2 3", "dx"] {
            assert_eq!(parse(s), None, "{s}");
        }
    }

    #[test]
    fn assignments() {
        assert_eq!(assignment("f(x) = 2x"), Some(("f(x)".to_string(), "2x")));
        assert_eq!(assignment("y=3"), Some(("y".to_string(), "3")));
        assert_eq!(assignment("x^2 = 3"), None);
        assert_eq!(assignment("y \\le 3 = 4"), None);
    }
}
