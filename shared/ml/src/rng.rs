//! The one seeded random source of the crate (PCG64), with the few draws the generators need.

use rand_pcg::Pcg64;
use rand_pcg::rand_core::{Rng, SeedableRng};

/// A seeded generator; the same seed gives the same dataset on every platform.
#[derive(Clone, Debug)]
pub struct Seeded(Pcg64);

impl Seeded {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Self(Pcg64::seed_from_u64(seed))
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.0.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.0.next_u64() % (hi - lo + 1) as u64) as usize
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// A uniform angle in [−π, π).
    pub fn angle(&mut self) -> f64 {
        (self.unit() * 2.0 - 1.0) * std::f64::consts::PI
    }

    /// A uniformly chosen element.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        let i = self.range(0, items.len() - 1);
        &items[i]
    }

    /// Two distinct indices below `n` (`n ≥ 2`).
    pub fn pair(&mut self, n: usize) -> (usize, usize) {
        let a = self.range(0, n - 1);
        let b = (a + self.range(1, n - 1)) % n;
        (a, b)
    }

    /// A fresh 64-bit value (for sub-seeds).
    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }
}
