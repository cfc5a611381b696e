//! Times of day with a.m./p.m.: `4:30 \text{ p.m.}`, `\text{4:30 p.m.}`, `4:30pm`,
//! `\text{4:30 PM}`.
//!
//! Both sides must read as `H:MM` (1 ≤ H ≤ 12, MM < 60) with an a.m./p.m. marker (any case,
//! periods, spaces, inside or outside `\text{}`/`\mathrm{}`). Same hour, minutes and marker is
//! `True`. math-verify gets some of these wrong: it reads `4:30 \text{ p.m.}` as the ratio 4/30
//! (the `\text` deleted as a unit) but `\text{4:30 p.m.}` only as a string, so it calls the two
//! different — its documented `clock-time` error (tests/scoring/mathverify_errors.tsv).
//! Different times are `False` only where math-verify also says so: when either side is text
//! only (it compares the strings, which differ), or when the ratios H/MM differ (`2:15 p.m.` and
//! `4:30 p.m.` are both 2/15 to it, and `4:30 a.m.` is `4:30 p.m.`): otherwise `Undecided`.

use crate::verdict::Verdict;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Clock {
    hour: u32,
    minute: u32,
    pm: bool,
    /// The whole answer is one `\text{…}`: math-verify reads only its string.
    text_only: bool,
}

const WRAPPERS: [&str; 4] = ["\\text", "\\mathrm", "\\textrm", "\\mbox"];

fn parse(s: &str) -> Option<Clock> {
    let t = s.trim();
    if t.len() > 64 {
        return None;
    }
    let text_only = WRAPPERS.iter().any(|w| t.starts_with(&format!("{w}{{")) && t.ends_with('}') && t[w.len() + 1..t.len() - 1].find(['{', '}']).is_none());
    // Drop the wrappers' names and braces, spaces, periods; lower-case.
    let mut u = t.to_string();
    for w in WRAPPERS {
        u = u.replace(w, "");
    }
    for sp in ["\\,", "\\;", "\\ ", "\\!"] {
        u = u.replace(sp, "");
    }
    let flat: String = u.chars().filter(|c| !matches!(c, '{' | '}' | ' ' | '.')).collect::<String>().to_ascii_lowercase();
    let (time, marker) = if let Some(x) = flat.strip_suffix("pm") {
        (x, true)
    } else {
        (flat.strip_suffix("am")?, false)
    };
    let (h, m) = time.split_once(':')?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 || !h.bytes().chain(m.bytes()).all(|c| c.is_ascii_digit()) {
        return None;
    }
    let (hour, minute): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    if !(1..=12).contains(&hour) || minute >= 60 {
        return None;
    }
    Some(Clock { hour, minute, pm: marker, text_only })
}

/// The verdict when both sides are times of day; `None` when either is not (the rule does not
/// apply).
pub fn decide(pred: &str, gold: &str) -> Option<Verdict> {
    let (a, b) = (parse(pred)?, parse(gold)?);
    if (a.hour, a.minute, a.pm) == (b.hour, b.minute, b.pm) {
        return Some(Verdict::True);
    }
    let ratios_differ = a.minute != 0 && b.minute != 0 && a.hour * b.minute != b.hour * a.minute;
    Some(if a.text_only || b.text_only || ratios_differ { Verdict::False } else { Verdict::Undecided })
}

#[cfg(test)]
mod tests {
    use super::*;
    use Verdict::*;

    #[test]
    fn table() {
        let cases = [
            ("4:30 \\text{ p.m.}", "\\text{4:30 p.m.}", Some(True)),
            ("4:30pm", "\\text{4:30 PM}", Some(True)),
            ("5:30 \\text{ p.m.}", "\\text{4:30 p.m.}", Some(False)),
            ("4:30 \\text{ a.m.}", "4:30 \\text{ p.m.}", Some(Undecided)), // both 4/30 to it
            ("2:15 \\text{ p.m.}", "4:30 \\text{ p.m.}", Some(Undecided)),
            ("4:31 \\text{ p.m.}", "4:30 \\text{ p.m.}", Some(False)),
            ("4:30", "\\text{4:30 p.m.}", None),
            ("13:30 pm", "1:30 pm", None),
        ];
        for (a, g, want) in cases {
            assert_eq!(decide(a, g), want, "{a} vs {g}");
        }
    }
}
