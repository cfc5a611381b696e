//! math-verify's string comparison, reproduced exactly where it can be.
//!
//! `parse(\boxed{s})` returns, beside any sympy object, the string it extracted: the box's
//! content run through latex2sympy2_extended's `normalize_latex`. `verify` compares those two
//! strings too, and calls the answers equal when they are identical and non-empty, whatever
//! sympy makes of them. So two answers whose normalised strings are identical are `True` to
//! math-verify, even in forms no parser here reads (`\dfrac{d!}{2k(d-k)!}` against
//! `\frac{d!}{2k(d-k)!}`, `\left(10, \arctan\frac43\right)` against `(10, \arctan\frac43)`).
//!
//! [`prefix`] computes the first six steps of `normalize_latex` (box content, its literal
//! replacements, `\left`/`\right` delimiters, permutations, deleted tokens, and the replacement
//! table) exactly, and gives up (`None`) wherever one of them would do more than this module
//! reproduces. The steps after them are a function of their output, so identical prefixes mean
//! identical normalised strings. [`readable`] says when that string is surely non-empty.
//!
//! Outside this rule, math-verify's `verify` reaches the string pair only after comparing the
//! sympy objects; an answer it cannot evaluate in time (`10^{10^{10}}` against itself) is still
//! `True` here.

/// What `normalize_latex` deletes outright (its `to_remove_regex`: `\mathrm{th}`, dollar signs,
/// `\displaystyle`; its replacement table turns `\ldots` into a space).
const DELETED: [&str; 5] = ["\\mathrm{th}", "\\displaystyle", "\\ldots", "\\$", "$"];

/// Where math-verify's box closes in `\boxed{s}`, counting raw braces (escaped ones too):
/// `Ok(i)` when a `}` at byte `i` of `s` closes it early, `Err(depth)` with the braces `s` leaves
/// open otherwise (0: the closing brace the box adds closes it).
fn box_close(s: &str) -> Result<usize, i32> {
    let mut depth = 0i32;
    for (i, c) in s.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => return Ok(i),
            '}' => depth -= 1,
            _ => {}
        }
    }
    Err(depth)
}

/// The content of `\boxed{s}` as `extract_boxed_content` cuts it: up to the brace that closes
/// the box ([`box_close`]), stripped; `{s}` whole when none closes it.
fn box_content(s: &str) -> String {
    match box_close(s) {
        Ok(i) => s[..i].trim().to_string(),
        Err(0) => s.trim().to_string(),
        Err(_) => format!("{{{s}}}"),
    }
}

/// True when `\boxed{s}`'s box, as math-verify cuts it, holds all of `s`: its raw braces
/// (escaped ones too) balance and never close more than they opened. Otherwise math-verify
/// reads something else than `s` (`2\text{cm}\}` is `2\text{cm}\` to it).
pub fn box_holds_all(s: &str) -> bool {
    box_close(s) == Err(0)
}

/// True when math-verify surely extracts a non-empty string from `\boxed{s}`, the one
/// [`prefix`] starts from (the box pattern is the first that matches).
///
/// The string it keeps is non-empty when the box's content has a letter or digit outside
/// command names and deleted tokens. Strings with a box of their own (the last box is taken)
/// or the words "final answer" (a pattern that is tried before the box) are left out.
pub fn readable(s: &str) -> bool {
    if s.contains("\\boxed") || s.contains("\\fbox") || s.to_ascii_lowercase().contains("final answer") {
        return false;
    }
    let mut content = box_content(s);
    for t in DELETED {
        content = content.replace(t, " ");
    }
    let b = content.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' {
            let start = i + 1;
            i = start;
            while i < b.len() && b[i].is_ascii_alphabetic() {
                i += 1;
            }
            // `\%`, `\{`: an escaped character is not content.
            if i == start && i < b.len() {
                i += 1;
            }
            continue;
        }
        if b[i].is_ascii_alphanumeric() {
            return true;
        }
        i += 1;
    }
    false
}

/// `normalize_latex`'s `r_left` / `r_right`: `\left` or `\mleft` (`\right`, `\mright`) is deleted
/// where one of `delims` follows it; the delimiter stays.
fn drop_sizing(s: &str, word: &str, delims: &[&str]) -> String {
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        let rest = &s[i..];
        let after = rest
            .strip_prefix('\\')
            .map(|r| r.strip_prefix('m').filter(|r| r.starts_with(word)).unwrap_or(r))
            .and_then(|r| r.strip_prefix(word));
        if let Some(after) = after {
            if let Some(d) = delims.iter().find(|d| after.starts_with(**d)) {
                out.push_str(d);
                i = s.len() - after.len() + d.len();
                continue;
            }
        }
        let c = rest.chars().next().unwrap();
        out.push(c);
        i += c.len_utf8();
    }
    out
}

const LEFT: [&str; 17] = [
    "\\{", "{", "\\|", "|", "[", "(", "\\rbracl", "\\lgroup", "\\lbrace", "\\lbrack", "\\vert", "\\lvert", "\\lceil",
    "\\lfloor", "\\langle", "\\llcorner", "\\ulcorner",
];
const RIGHT: [&str; 17] = [
    "\\}", "}", "\\|", "|", "]", ")", "\\rbrack", "\\rgroup", "\\rbrace", "\\vert", "\\rvert", "\\rceil", "\\rfloor",
    "\\rangle", "\\lrcorner", "\\urcorner", "\\rbrack",
];

/// `normalize_latex`'s `to_remove_regex`, one left-to-right pass: `\mathrm{th}`, `\!` and the
/// spaces after it, an empty `\text{ }`, `\$`, `$`, quotes not after a backslash, `\displaystyle`.
pub(crate) fn remove_tokens(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < b.len() {
        let rest = &s[i..];
        let skip = if rest.starts_with("\\mathrm{th}") {
            11
        } else if rest.starts_with("\\!") {
            2 + rest[2..].len() - rest[2..].trim_start().len()
        } else if let Some(n) = empty_text(rest) {
            n
        } else if rest.starts_with("\\$") {
            2
        } else if rest.starts_with('$') {
            1
        } else if (b[i] == b'"' || b[i] == b'\'') && (i == 0 || b[i - 1] != b'\\') {
            1
        } else if rest.starts_with("\\displaystyle") {
            13
        } else {
            0
        };
        if skip > 0 {
            i += skip;
            continue;
        }
        let c = rest.chars().next().unwrap();
        out.push(c);
        i += c.len_utf8();
    }
    out
}

/// Length of a `\text\s*\{\s*\}` at the start of `s`.
fn empty_text(s: &str) -> Option<usize> {
    let r = s.strip_prefix("\\text")?.trim_start();
    let r = r.strip_prefix('{')?.trim_start();
    let r = r.strip_prefix('}')?;
    Some(s.len() - r.len())
}

/// True when an entry of `normalize_latex`'s replacement table other than the literal ones
/// [`replace_literals`] reproduces may match somewhere in `s`: ` .`, `{.`, `~=`, `{ , }`, a
/// free-standing "and"/"or", a backslash before a space, infinity, `\ldots`, percent,
/// percentage, pct, `inf`, ` sqrt`. Conservative: a possible match counts.
fn other_replacement_may_match(s: &str) -> bool {
    const WORDS: [&str; 7] = ["{.", "~=", "infinity", "\\ldots", "percent", "pct", " sqrt"];
    if WORDS.iter().any(|w| s.contains(w)) {
        return true;
    }
    // `\s` is Unicode-aware in Python: leave any non-ASCII space to math-verify.
    if s.chars().any(|c| c.is_whitespace() && !c.is_ascii_whitespace()) {
        return true;
    }
    let b = s.as_bytes();
    let letter = |j: usize| b.get(j).is_some_and(|c| c.is_ascii_alphabetic());
    for i in (0..b.len()).filter(|&i| s.is_char_boundary(i)) {
        let rest = &s[i..];
        let ws = b[i].is_ascii_whitespace();
        let decimal_space = ws && b.get(i + 1) == Some(&b'.');
        // `(?<!\\)\\\s`
        let backslash_space = b[i] == b'\\' && b.get(i + 1).is_some_and(|c| c.is_ascii_whitespace()) && (i == 0 || b[i - 1] != b'\\');
        // `\{\s*,\s*\}` (the leading `\s*` only widens a match that exists anyway)
        let comma = b[i] == b'{' && rest[1..].trim_start().strip_prefix(',').is_some_and(|r| r.trim_start().starts_with('}'));
        // `(?<![a-zA-Z])(,?\s*(?:and|or))(?![a-zA-Z])`: a letter right before the word rules
        // out every start, since `,?\s*` holds no letter.
        let and_or = ["and", "or"].iter().any(|w| rest.starts_with(w) && !letter(i + w.len()) && (i == 0 || !letter(i - 1)));
        // `(?<!\\)inf(?!inity)`
        let inf = rest.starts_with("inf") && (i == 0 || b[i - 1] != b'\\');
        if decimal_space || backslash_space || comma || and_or || inf {
            return true;
        }
    }
    false
}

/// The literal entries of the replacement table, in one left-to-right pass as the regex makes
/// it (its alternatives in their order): `\mathrm`/`\mathit`/`\mathbf` and `\textnormal`/
/// `\textbf`/`\textit`/`\textrm` → `\text`, `\dfrac`/`\tfrac`/`\cfrac` → `\frac`. Exact when
/// [`other_replacement_may_match`] is false.
fn replace_literals(s: &str) -> String {
    const TABLE: [(&str, &str); 10] = [
        ("\\mathrm", "\\text"),
        ("\\mathit", "\\text"),
        ("\\mathbf", "\\text"),
        ("\\textnormal", "\\text"),
        ("\\textbf", "\\text"),
        ("\\textit", "\\text"),
        ("\\textrm", "\\text"),
        ("\\dfrac", "\\frac"),
        ("\\tfrac", "\\frac"),
        ("\\cfrac", "\\frac"),
    ];
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    'scan: while i < s.len() {
        let rest = &s[i..];
        for (from, to) in TABLE {
            if rest.starts_with(from) {
                out.push_str(to);
                i += from.len();
                continue 'scan;
            }
        }
        let c = rest.chars().next().unwrap();
        out.push(c);
        i += c.len_utf8();
    }
    out
}

/// The first six steps of `normalize_latex` on `\boxed{s}`, or `None` where they would do more
/// than is reproduced here (a permutation `(…)_{…}`, a replacement other than the literal ones)
/// or the string kept would be empty.
pub fn prefix(s: &str) -> Option<String> {
    if !readable(s) || s.contains(")_{") {
        return None;
    }
    let t = box_content(s)
        .replace("\\mathrm{T}", "T")
        .replace("\\mathrm{d}", "d")
        .replace("{\\rm d}", "d")
        .replace("\\left[\\begin{matrix}", "\\begin{bmatrix}")
        .replace("\\end{matrix}\\right]", "\\end{bmatrix}");
    let t = drop_sizing(&drop_sizing(&t, "left", &LEFT), "right", &RIGHT);
    let t = remove_tokens(&t);
    if other_replacement_may_match(&t) {
        return None;
    }
    Some(replace_literals(&t))
}

/// True when math-verify's normalised strings of the two answers are surely identical and
/// non-empty (its string comparison says equal). Identical answers are [`readable`]'s business;
/// this is for answers written differently.
pub fn same(pred: &str, gold: &str) -> bool {
    matches!((prefix(pred), prefix(gold)), (Some(a), Some(b)) if a == b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn box_content_cuts_at_the_raw_closing_brace() {
        assert_eq!(box_content(" a}b "), "a");
        assert_eq!(box_content("\\left\\{x\\right."), "{\\left\\{x\\right.}");
        assert_eq!(box_content("{x} "), "{x}");
    }

    #[test]
    fn sizing_commands_go_before_delimiters_only() {
        assert_eq!(drop_sizing("\\left(x\\right)", "left", &LEFT), "(x\\right)");
        assert_eq!(drop_sizing("\\mleft[x", "left", &LEFT), "[x");
        assert_eq!(drop_sizing("\\left.x", "left", &LEFT), "\\left.x");
        assert_eq!(drop_sizing("\\leftarrow(", "left", &LEFT), "\\leftarrow(");
        // one pass, as re.sub: the inner `\left(` goes, the outer one then stays
        assert_eq!(drop_sizing("\\left\\left(", "left", &LEFT), "\\left(");
        assert_eq!(drop_sizing("\\right\\rvert", "right", &RIGHT), "\\rvert");
    }

    #[test]
    fn removed_tokens() {
        assert_eq!(remove_tokens("1\\!  000"), "1000");
        assert_eq!(remove_tokens("5\\text{ }$x$\\$"), "5x");
        assert_eq!(remove_tokens("f'(x)"), "f(x)");
        assert_eq!(remove_tokens("\\'a"), "\\'a");
        assert_eq!(remove_tokens("\\displaystyle\\frac12"), "\\frac12");
    }

    #[test]
    fn same_strings_to_math_verify() {
        let yes = [
            ("\\dfrac{d!}{2k(d-k)!}", "\\frac{d!}{2k(d-k)!}"),
            ("\\left(10, \\arctan\\frac{4}{3}\\right)", "(10, \\arctan\\frac{4}{3})"),
            ("\\tfrac{1}{3} E_{1}", "\\frac{1}{3} E_{1}"),
            ("48$, $384", "48, 384"),
            ("y'=x", "y=x"),
            ("\\sqrt{2}", " \\sqrt{2} "), // the box's content is stripped
            ("\\mathbf{v}+\\lfloor x\\rfloor", "\\textbf{v}+\\lfloor x\\rfloor"), // `\lfloor`'s "or" is inside a word
            ("\\mathrmrm{x}", "\\textrmrm{x}"), // one pass: both become `\textrm{x}`
        ];
        for (a, b) in yes {
            assert!(same(a, b), "{a} vs {b}");
        }
        let undecided = [
            ("x=-6,x=2", "x=-6, x=2"),          // spaces stay in math-verify's string
            ("\\frac{1}{x}", "\\frac1x"),       // so do the braces
            ("a \\text{ and } b", "a, b"),      // and/or become commas there: not reproduced
            ("\\dfrac{1}{2}\\%", "\\frac{1}{2} percent"),
            ("\\lfloor x \\rfloor or 1", "\\lfloor x \\rfloor , 1"),
            ("\\mathrmrm{x}", "\\textrm{x}"), // `\textrm{x}` against `\text{x}`
            ("(a)_{2}", "(a)_{2} "),            // a permutation: not reproduced
            ("}x", "}y"),                       // both empty to math-verify
            ("\\sqrt{2}", "\\sqrt2"),
        ];
        for (a, b) in undecided {
            assert!(!same(a, b), "{a} vs {b}");
        }
    }
}
