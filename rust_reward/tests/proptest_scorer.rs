//! Property tests of the pure-Rust scorer (`cargo test -p rust_reward --no-default-features`).
//!
//! * `canonicalize`, `decide`, `extract_answer`, `cap_prefix` and `grade_one` never panic and
//!   stay fast on arbitrary text and on LaTeX-looking soup (braces, commands, digits, powers);
//! * `canonicalize` is idempotent (the facade canonicalises once, `decide` from Python again);
//! * `decide` is symmetric (every rule it mirrors treats answer and gold alike);
//! * a canonical number decides True against itself and against other notations of the same
//!   rational; distinct integers decide False.

use _scoring::{canonicalize, cap_prefix, decide, extract_answer, grade_one, ExtractOptions, Fallback, Verdict};
use proptest::prelude::*;
use std::time::{Duration, Instant};

/// Generous per-call bound: every call here takes micro- to milliseconds.
const BOUND: Duration = Duration::from_secs(2);
/// Bound for the megabyte-sized pathological inputs: extraction and canonicalisation of 10 MB
/// take under a second in a debug build, 2.1 s on the 2-core machine under load (a hang would
/// never end). `decide` is linear too but does more per character (~1.3 µs in a debug build
/// under load: 13-31 s for 10 MB, which a loaded CI machine pushed past any fixed bound), so its
/// 10-MB case is bounded by its growth instead (tests/decide_growth.rs).
const BIG_BOUND: Duration = Duration::from_secs(15);

fn timed<T>(f: impl FnOnce() -> T) -> T {
    timed_within(BOUND, f)
}

fn timed_within<T>(bound: Duration, f: impl FnOnce() -> T) -> T {
    let t0 = Instant::now();
    let out = f();
    assert!(t0.elapsed() < bound, "call took {:?}", t0.elapsed());
    out
}

/// LaTeX-looking soup: the tokens the parser and the extractor react to, in any order.
fn latex_soup() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("\\boxed{".to_string()),
        Just("{".to_string()),
        Just("}".to_string()),
        Just("\\{".to_string()),
        Just("\\}".to_string()),
        Just("\\frac".to_string()),
        Just("\\dfrac".to_string()),
        Just("\\sqrt".to_string()),
        Just("\\pi".to_string()),
        Just("^".to_string()),
        Just("^{".to_string()),
        Just("\\left(".to_string()),
        Just("\\right]".to_string()),
        Just("\\left.".to_string()),
        Just("\\text{".to_string()),
        Just("\\%".to_string()),
        Just("$".to_string()),
        Just("</think>".to_string()),
        Just(",".to_string()),
        Just(".".to_string()),
        Just("=".to_string()),
        Just("-".to_string()),
        Just("(".to_string()),
        Just(")".to_string()),
        Just("[".to_string()),
        Just("]".to_string()),
        Just("\\cdot".to_string()),
        Just("\\,".to_string()),
        Just(" ".to_string()),
        "[0-9]{1,6}",
        "[a-z]{1,2}",
        any::<char>().prop_map(|c| c.to_string()),
    ];
    prop::collection::vec(token, 0..64).prop_map(|v| v.concat())
}

/// Numbers in the fast path's language (written canonically: no wrappers to strip).
fn number() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        (0u32..100_000, 1u32..10_000).prop_map(|(a, b)| format!("{a}.{b}")),
        (-1000i64..1000, 1i64..1000).prop_map(|(a, b)| format!("\\frac{{{a}}}{{{b}}}")),
        (1u64..100_000).prop_map(|n| format!("\\sqrt{{{n}}}")),
        (1i64..100, 1u64..1000).prop_map(|(k, n)| format!("{k}\\sqrt{{{n}}}")),
        (1i64..100, 1i64..100).prop_map(|(a, b)| format!("\\frac{{{a}\\pi}}{{{b}}}")),
        (1i64..20, 0u32..30).prop_map(|(b, e)| format!("{b}^{{{e}}}")),
        (-50i64..50, -50i64..50).prop_map(|(a, b)| format!("({a}, {b})")),
        (-50i64..50, 1i64..50).prop_map(|(a, b)| format!("\\{{{a}, {b}\\}}")),
        (0i64..100).prop_map(|n| format!("x = {n}")),
        (0i64..100).prop_map(|n| format!("{n}\\%")),
    ]
}

/// Three notations of the rational n/d (d > 0): \frac, a/b, and \dfrac with the fraction doubled.
fn notations(n: i64, d: i64) -> Vec<String> {
    vec![
        format!("\\frac{{{n}}}{{{d}}}"),
        format!("{n}/{d}"),
        format!("\\dfrac{{{}}}{{{}}}", 2 * n, 2 * d),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn never_panics_on_any_text(s in any::<String>(), g in any::<String>(), cap in proptest::option::of(0usize..200)) {
        for fb in [Fallback::None, Fallback::AnswerIs, Fallback::LastNumber] {
            let opts = ExtractOptions { fallback: fb, ..ExtractOptions::default() };
            timed(|| grade_one(&s, &g, cap, &opts));
        }
        timed(|| decide(&canonicalize(&s), &canonicalize(&g)));
    }

    #[test]
    fn never_panics_on_latex_soup(s in latex_soup(), g in latex_soup(), cap in proptest::option::of(0usize..400)) {
        let c = timed(|| canonicalize(&s));
        let gc = timed(|| canonicalize(&g));
        timed(|| decide(&c, &gc));
        timed(|| decide(&c, &c));
        let (prefix, truncated) = cap_prefix(&s, cap);
        prop_assert_eq!(truncated, cap.map_or(false, |n| n < s.chars().count()));
        timed(|| extract_answer(prefix, &ExtractOptions::default()));
        timed(|| grade_one(&s, &g, cap, &ExtractOptions::default()));
    }

    #[test]
    fn canonicalize_is_idempotent(s in prop_oneof![latex_soup(), number(), any::<String>()]) {
        let once = canonicalize(&s);
        prop_assert_eq!(canonicalize(&once), once.clone(), "input {:?}", s);
    }

    #[test]
    fn decide_is_symmetric(a in prop_oneof![number(), latex_soup()], b in prop_oneof![number(), latex_soup()]) {
        let (a, b) = (canonicalize(&a), canonicalize(&b));
        prop_assert_eq!(decide(&a, &b), decide(&b, &a), "{:?} vs {:?}", a, b);
    }

    #[test]
    fn a_number_equals_itself(x in number()) {
        prop_assert_eq!(decide(&x, &x), Verdict::True, "{:?}", x);
    }

    #[test]
    fn notations_of_one_rational_agree(n in -100_000i64..100_000, d in 1i64..10_000, i in 0usize..3, j in 0usize..3) {
        let forms = notations(n, d);
        prop_assert_eq!(decide(&forms[i], &forms[j]), Verdict::True, "{} vs {}", forms[i], forms[j]);
    }

    #[test]
    fn distinct_integers_differ(a in any::<i64>(), b in any::<i64>()) {
        prop_assume!(a != b);
        prop_assert_eq!(decide(&a.to_string(), &b.to_string()), Verdict::False);
    }

    #[test]
    fn boxed_answer_is_found_after_any_prefix(prefix in "[^\\\\{}]{0,200}", n in any::<i64>()) {
        let text = format!("{prefix}\\boxed{{{n}}}");
        let g = grade_one(&text, &n.to_string(), None, &ExtractOptions::default());
        prop_assert_eq!(g.verdict, Some(Verdict::True));
        // Cut inside the box: no answer.
        let cut = prefix.chars().count() + 3;
        let g = grade_one(&text, &n.to_string(), Some(cut), &ExtractOptions::default());
        prop_assert_eq!(g.verdict, None);
        prop_assert!(g.truncated);
    }
}

#[test]
fn pathological_inputs_are_bounded() {
    let cases = [
        "{".repeat(100_000),
        "\\boxed{".repeat(100_000),
        format!("\\boxed{{{}{}}}", "{".repeat(100_000), "}".repeat(100_000)),
        "10^{10^{10}}".to_string(),
        "9^{9^{9}}".to_string(),
        format!("1{}", "0".repeat(100_000)),
        "(".repeat(100_000),
        format!("{}2{}", "\\sqrt{".repeat(10_000), "}".repeat(10_000)),
        "x".repeat(10_000_000),
        String::new(),
        "\0".repeat(1000),
    ];
    for s in &cases {
        let bound = if s.len() > 1_000_000 { BIG_BOUND } else { BOUND };
        let c = timed_within(bound, || canonicalize(s));
        if s.len() <= 1_000_000 {
            let v = timed_within(bound, || decide(&c, "1"));
            if s.as_str() != "1" {
                assert_ne!(v, Verdict::True);
            }
        }
        timed_within(bound, || grade_one(s, "1", None, &ExtractOptions::default()));
        timed_within(bound, || grade_one(&format!("\\boxed{{{s}}}"), s, Some(50_000), &ExtractOptions::default()));
    }
}

