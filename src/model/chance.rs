//! How a uniform draw becomes an event: the one comparison behind every
//! share in the model (losses, filters, blocks, hygiene, presence, picks
//! from a cumulative table). Kept in one place so that every event means
//! the same thing at its edges: a share of 0 never happens and a share of
//! 1 always does.

/// An event with probability `share` happens on a uniform `draw` in [0, 1)
/// when the draw falls below the share.
#[inline]
pub fn happens(draw: f64, share: f64) -> bool {
    draw < share
}

#[cfg(test)]
mod tests {
    use super::happens;

    /// The largest f64 below 1: the highest draw a uniform stream gives.
    const HIGHEST_DRAW: f64 = 1.0 - f64::EPSILON / 2.0;

    #[test]
    fn a_share_of_zero_never_happens_even_on_the_lowest_draw() {
        assert!(!happens(0.0, 0.0));
        assert!(!happens(HIGHEST_DRAW, 0.0));
    }

    #[test]
    fn a_share_of_one_always_happens_even_on_the_highest_draw() {
        assert!(happens(0.0, 1.0));
        assert!(happens(HIGHEST_DRAW, 1.0));
    }

    #[test]
    fn a_draw_below_the_share_happens_and_one_at_or_above_it_does_not() {
        assert!(happens(0.29, 0.3));
        assert!(!happens(0.3, 0.3));
        assert!(!happens(0.31, 0.3));
    }
}
