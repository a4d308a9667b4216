//! Budgets for the work an input can multiply: references that fan out (ARM `variables()`,
//! Terraform `local.x`, Bicep vars, each used twice by the next: a few lines, exponential values),
//! YAML aliases, and strings built by interpolation.
//!
//! One budget per input file, shared by the threads that lint its documents, so that a stream of
//! many small bombs costs no more than one big one. Running out is an input error at the place that
//! was cut off ([`Budget::take_cuts`]), never a silent drop: what was resolved before is still
//! linted, what was cut off is named.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::{Limits, ParseError};
use crate::source::Pos;

/// What one input may still spend, and what was cut off when it could not.
#[derive(Debug)]
pub struct Budget {
    /// Values (nodes) still allowed to be produced by expanding references.
    steps: AtomicUsize,
    /// Bytes of scalar text still allowed to be produced by expansions and interpolation.
    bytes: AtomicUsize,
    /// Nodes YAML aliases may still expand to.
    alias_nodes: AtomicUsize,
    max_steps: usize,
    max_bytes: usize,
    max_alias_nodes: usize,
    cuts: Mutex<Vec<ParseError>>,
}

impl Default for Budget {
    fn default() -> Self {
        Budget::new(&Limits::default())
    }
}

impl Budget {
    pub fn new(limits: &Limits) -> Self {
        Budget {
            steps: AtomicUsize::new(limits.max_eval_values),
            bytes: AtomicUsize::new(limits.max_eval_bytes),
            alias_nodes: AtomicUsize::new(limits.max_alias_nodes),
            max_steps: limits.max_eval_values,
            max_bytes: limits.max_eval_bytes,
            max_alias_nodes: limits.max_alias_nodes,
            cuts: Mutex::new(Vec::new()),
        }
    }

    /// Spends `n` values of evaluation; `false` (and the budget spent) when there are not that many.
    pub fn values(&self, n: usize) -> bool {
        take(&self.steps, n)
    }

    /// Spends `n` bytes of produced text; `false` (and the budget spent) when there are not that many.
    pub fn bytes(&self, n: usize) -> bool {
        take(&self.bytes, n)
    }

    /// Spends `n` nodes of YAML alias expansion; `false` (and the budget spent) when there are not that many.
    pub fn alias_nodes(&self, n: usize) -> bool {
        take(&self.alias_nodes, n)
    }

    /// Whether evaluation has run out (every later expansion is refused).
    pub fn exhausted(&self) -> bool {
        self.steps.load(Ordering::Relaxed) == 0 || self.bytes.load(Ordering::Relaxed) == 0
    }

    /// The evaluation limits, for messages: "200000 values or 16 MiB".
    pub fn eval_limits(&self) -> String {
        format!(
            "{} values or {} MiB",
            self.max_steps,
            (self.max_bytes >> 20).max(1)
        )
    }

    /// The alias limit, for messages.
    pub fn max_alias_nodes(&self) -> usize {
        self.max_alias_nodes
    }

    /// Records that evaluation was cut off at `pos` (reported as an input error of the file).
    pub fn cut(&self, pos: Pos, message: String) {
        let mut cuts = self.cuts.lock().unwrap_or_else(|e| e.into_inner());
        cuts.push(ParseError::new(pos, message));
    }

    /// The cut-offs recorded so far, in the order they happened.
    pub fn take_cuts(&self) -> Vec<ParseError> {
        std::mem::take(&mut *self.cuts.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// Takes `n` from `left`, or empties it when there is not enough (so that no later, smaller
/// request succeeds either: a cut-off value is never followed by a resolved one).
fn take(left: &AtomicUsize, n: usize) -> bool {
    let ok = left
        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |l| l.checked_sub(n))
        .is_ok();
    if !ok {
        left.store(0, Ordering::Relaxed);
    }
    ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn running_out_stays_out() {
        let limits = Limits {
            max_eval_values: 10,
            ..Limits::default()
        };
        let b = Budget::new(&limits);
        assert!(b.values(6));
        assert!(!b.exhausted());
        assert!(!b.values(5));
        assert!(b.exhausted());
        assert!(!b.values(1));
        b.cut(Pos::new(3, 4), "x".into());
        assert_eq!(b.take_cuts()[0].pos, Pos::new(3, 4));
        assert!(b.take_cuts().is_empty());
    }
}
