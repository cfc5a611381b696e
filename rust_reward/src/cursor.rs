//! A byte cursor over an ASCII answer, shared by the two hand-written recursive-descent parsers
//! ([`crate::scalar`] and [`crate::poly`]): whitespace skipping, look-ahead, literal and
//! command matching, digit runs and a nesting bound.

/// Position `i` in the bytes `b`, with the current nesting depth.
pub struct Cursor<'a> {
    pub b: &'a [u8],
    pub i: usize,
    depth: u32,
    max_depth: u32,
}

/// Nesting deeper than the cursor's bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooDeep;

impl<'a> Cursor<'a> {
    pub fn new(s: &'a str, max_depth: u32) -> Self {
        Cursor { b: s.as_bytes(), i: 0, depth: 0, max_depth }
    }

    /// Skip ASCII whitespace.
    pub fn ws(&mut self) {
        while self.i < self.b.len() && self.b[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    /// The next non-space byte, not consumed.
    pub fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.b.get(self.i).copied()
    }

    /// The byte at the cursor (no whitespace skipped).
    pub fn here(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    /// Consume the byte `c` after whitespace.
    pub fn eat_byte(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    /// True when `s` follows (after whitespace). A command (`\` then letters) must not be
    /// followed by another letter: `\pi` does not match `\pit`.
    pub fn at(&mut self, s: &str) -> bool {
        self.ws();
        if !self.b[self.i..].starts_with(s.as_bytes()) {
            return false;
        }
        if s.len() > 1 && s.starts_with('\\') && s[1..].bytes().all(|c| c.is_ascii_alphabetic()) {
            if let Some(c) = self.b.get(self.i + s.len()) {
                return !c.is_ascii_alphabetic();
            }
        }
        true
    }

    /// Consume `s` when [`Cursor::at`] it.
    pub fn eat(&mut self, s: &str) -> bool {
        if self.at(s) {
            self.i += s.len();
            true
        } else {
            false
        }
    }

    /// Only whitespace is left.
    pub fn at_end(&mut self) -> bool {
        self.ws();
        self.i >= self.b.len()
    }

    /// Consume the run of ASCII digits at the cursor (no whitespace skipped), at most `max`
    /// of them when given; returns it (possibly empty).
    pub fn digits(&mut self, max: Option<usize>) -> &'a str {
        let s = self.i;
        while self.i < self.b.len() && self.b[self.i].is_ascii_digit() && max.map_or(true, |m| self.i - s < m) {
            self.i += 1;
        }
        std::str::from_utf8(&self.b[s..self.i]).expect("ASCII digits")
    }

    /// One nesting level deeper; `Err` past the bound.
    pub fn enter(&mut self) -> Result<(), TooDeep> {
        self.depth += 1;
        if self.depth > self.max_depth {
            Err(TooDeep)
        } else {
            Ok(())
        }
    }

    /// Leave a level entered with [`Cursor::enter`].
    pub fn leave(&mut self) {
        self.depth -= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_and_digits() {
        let mut c = Cursor::new("  \\pit 12a", 4);
        assert!(!c.eat("\\pi"));
        assert!(c.eat("\\pit"));
        assert_eq!(c.peek(), Some(b'1'));
        assert_eq!(c.digits(None), "12");
        assert!(c.eat_byte(b'a'));
        assert!(c.at_end());
        let mut d = Cursor::new("123", 1);
        assert_eq!(d.digits(Some(1)), "1");
        assert!(d.enter().is_ok());
        assert!(d.enter().is_err());
    }
}
