//! Choice letters and one-word answers (`C`, `(C)`, `\text{(C)}`, `\textbf{C}`, `Yes`,
//! `\text{Evelyn}`), compared the way math-verify compares them: its parser lower-cases
//! letters, so `\text{(C)}`, `(C)` and `c` are the same symbol, and a word is equal to itself
//! in any of these wrappings and in any letter case.
//!
//! Two different single letters are `False` (two different symbols). Two different words are
//! left to math-verify: it reads an unwrapped word as a product of letters, so anagrams
//! (`No` and `On`) are equal to it. `e` and `i` are constants to it and are left alone, and so
//! are words its normaliser rewrites (`and`, `or` become commas; `inf…`, `sqrt`, `pct`,
//! `percent…` become other tokens).

use crate::verdict::Verdict;

/// Commands whose braced argument may hold the word.
const WRAPPERS: [&str; 9] = [
    "\\text", "\\textbf", "\\textit", "\\textrm", "\\textnormal", "\\mathrm", "\\mathbf", "\\mathit", "\\mbox",
];
/// Longest word taken.
const MAX_WORD: usize = 24;
/// Substrings math-verify's normaliser rewrites inside a word.
const REWRITTEN: [&str; 4] = ["inf", "sqrt", "pct", "percent"];

fn strip_parens(s: &str) -> &str {
    let t = s.trim();
    match t.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
        Some(inner) => inner.trim(),
        None => t,
    }
}

/// The lower-cased letters of a one-word answer, or `None` when `s` is not one.
pub fn word_of(s: &str) -> Option<String> {
    // Spacing commands are whitespace to math-verify.
    let spaced;
    let mut t = s.trim();
    if t.contains('\\') {
        let mut u = t.to_string();
        for sp in ["\\,", "\\;", "\\:", "\\!", "\\ "] {
            u = u.replace(sp, " ");
        }
        spaced = u;
        t = spaced.trim();
    }
    for w in WRAPPERS {
        // `\text` is a prefix of `\textbf`: a wrapper counts only when its brace follows.
        if let Some(rest) = t.strip_prefix(w).and_then(|r| r.trim_start().strip_prefix('{')) {
            t = rest.strip_suffix('}')?;
            break;
        }
    }
    let w = strip_parens(t);
    if w.is_empty() || w.len() > MAX_WORD || !w.bytes().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let lower = w.to_ascii_lowercase();
    if matches!(lower.as_str(), "e" | "i" | "and" | "or") || REWRITTEN.iter().any(|r| lower.contains(r)) {
        return None;
    }
    Some(lower)
}

/// Verdict on two one-word answers (see the module docs).
pub fn decide(a: &str, b: &str) -> Verdict {
    if a == b {
        Verdict::True
    } else if a.len() == 1 && b.len() == 1 {
        Verdict::False
    } else {
        Verdict::Undecided
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        assert_eq!(word_of("\\text{(C)}").as_deref(), Some("c"));
        assert_eq!(word_of("\\textbf{ (C) }").as_deref(), Some("c"));
        assert_eq!(word_of("(C)").as_deref(), Some("c"));
        assert_eq!(word_of("Yes").as_deref(), Some("yes"));
        assert_eq!(word_of("A\\,").as_deref(), Some("a"));
        assert_eq!(word_of("\\text{Evelyn}").as_deref(), Some("evelyn"));
        assert_eq!(word_of("E"), None);
        assert_eq!(word_of("\\text{or}"), None);
        assert_eq!(word_of("\\text{Infinite}"), None);
        assert_eq!(word_of("x+1"), None);
        assert_eq!(word_of("\\text{two words}"), None);
        assert_eq!(decide("c", "c"), Verdict::True);
        assert_eq!(decide("c", "a"), Verdict::False);
        assert_eq!(decide("no", "on"), Verdict::Undecided);
    }
}
