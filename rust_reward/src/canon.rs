//! The cleanup shared by both paths: `canonicalize` is applied to every answer and gold before
//! *either* path sees them (so math-verify is called on the same strings): surrounding `$…$`,
//! `\(…\)`, `\[…\]`, a trailing period, spacing commands at either end, and thousands
//! separators (`1,000`, `1{,}000`, `1\,000`, `1 000`) of a number standing alone.

pub fn strip_wrapper<'a>(s: &'a str, open: &str, close: &str) -> Option<&'a str> {
    if s.len() >= open.len() + close.len() && s.starts_with(open) && s.ends_with(close) {
        Some(&s[open.len()..s.len() - close.len()])
    } else {
        None
    }
}

/// `-?d{1,3}(SEP ddd)+(.d+)?` with one separator kind → the digits without separators.
fn ungroup_thousands(s: &str) -> Option<String> {
    const SEPS: [&str; 7] = ["{,}", ",\\!", "\\,", "\\ ", "\\!", ",", " "];
    // math-verify deletes `\!` with the spaces after it: `11,\! 111` is `11,111` to it.
    let joined;
    let s = if s.contains("\\! ") {
        joined = s.split("\\!").map(|p| p.trim_start()).collect::<Vec<_>>().join("\\!");
        joined.as_str()
    } else {
        s
    };
    let (sign, body) = match s.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", s),
    };
    let (int_part, frac) = match body.find('.') {
        Some(p) => (&body[..p], &body[p..]),
        None => (body, ""),
    };
    if !frac.is_empty() && (frac.len() < 2 || !frac[1..].bytes().all(|c| c.is_ascii_digit())) {
        return None;
    }
    for sep in SEPS {
        if !int_part.contains(sep) {
            continue;
        }
        let groups: Vec<&str> = int_part.split(sep).collect();
        let first_ok = !groups[0].is_empty()
            && groups[0].len() <= 3
            && groups[0].bytes().all(|c| c.is_ascii_digit())
            && !groups[0].starts_with('0');
        let rest_ok = groups[1..].iter().all(|g| g.len() == 3 && g.bytes().all(|c| c.is_ascii_digit()));
        if first_ok && rest_ok && groups.len() >= 2 {
            return Some(format!("{sign}{}{frac}", groups.concat()));
        }
        return None;
    }
    None
}

/// The cleanup shared by both paths (see the module docs).
pub fn canonicalize(s: &str) -> String {
    let mut t = s.trim();
    loop {
        let before = t.len();
        for (o, c) in [("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]")] {
            if let Some(inner) = strip_wrapper(t, o, c) {
                t = inner.trim();
            }
        }
        // A sentence-final period ("5." → "5"), but not an ellipsis.
        if t.ends_with('.') && !t.ends_with("..") {
            t = t[..t.len() - 1].trim_end();
        }
        // Spacing commands at either end (`$2$\,` → `$2$`, then `2`); `\\,` is a row break
        // and a comma.
        for sp in ["\\,", "\\;", "\\!", "\\ ", "\\quad", "\\qquad"] {
            if let Some(r) = t.strip_suffix(sp).filter(|r| !r.ends_with('\\')) {
                t = r.trim_end();
            }
            if let Some(r) = t.strip_prefix(sp) {
                t = r.trim_start();
            }
        }
        if t.len() == before {
            break;
        }
    }
    match ungroup_thousands(t) {
        Some(u) => u,
        None => t.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical() {
        assert_eq!(canonicalize(" $5$. "), "5");
        assert_eq!(canonicalize("1{,}000"), "1000");
        assert_eq!(canonicalize("1\\,000\\,000"), "1000000");
        assert_eq!(canonicalize("-12,345.5"), "-12345.5");
        assert_eq!(canonicalize("900,\\!000,\\!000"), "900000000");
        assert_eq!(canonicalize("11,\\! 111,\\! 100"), "11111100");
        assert_eq!(canonicalize("1,2"), "1,2");
        assert_eq!(canonicalize("\\(x\\)"), "x");
        assert_eq!(canonicalize("..."), "...");
        assert_eq!(canonicalize("$2$\\,"), "2");
        assert_eq!(canonicalize("\\; x \\quad"), "x");
    }
}
