//! `decide` on a long answer costs time in proportion to its length.
//!
//! Measured as a ratio within one run, in a test binary of its own (cargo runs test binaries one
//! after another, so no other test shares this process's cores): 10x the input may cost at most
//! 30x the time. Linear work gives ~10x; quadratic work would give ~100x; the margin absorbs the
//! noise of a shared machine (absolute times there vary tenfold). The fastest of 5 tries counts.

use _scoring::{decide, Verdict};
use std::time::{Duration, Instant};

fn fastest(s: &str) -> Duration {
    (0..5)
        .map(|_| {
            let t0 = Instant::now();
            assert_ne!(decide(s, "1"), Verdict::True);
            t0.elapsed()
        })
        .min()
        .unwrap()
}

#[test]
fn decide_grows_linearly_with_the_input() {
    for unit in ["x", "1", "{", "\\frac{1}{2}+"] {
        let small = fastest(&unit.repeat(20_000));
        let large = fastest(&unit.repeat(200_000));
        assert!(
            large < small * 30 + Duration::from_millis(50),
            "{unit:?}: 10x the input took {:.1}x the time ({small:?} -> {large:?})",
            large.as_secs_f64() / small.as_secs_f64()
        );
    }
}
