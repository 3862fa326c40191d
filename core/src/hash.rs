//! A fast hasher for Girder's internal maps, whose keys are short and never chosen by an
//! adversary (construct ids, object names, logical IDs): FNV-1a, as in [`crate::name::fnv1a`].
//! Private to this crate: the tree's id table and the secret detector's verdict cache use it.

use std::hash::{BuildHasherDefault, Hasher};

use crate::name::{FNV1A_START, fnv1a_continue};

/// FNV-1a as a [`Hasher`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(FNV1A_START)
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        self.0 = fnv1a_continue(self.0, bytes);
    }

    fn write_u32(&mut self, n: u32) {
        // Node ids and indices: one multiply-and-mix instead of four byte steps.
        self.0 = (self.0 ^ u64::from(n)).wrapping_mul(0x0000_0100_0000_01b3);
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0 ^ n).wrapping_mul(0x0000_0100_0000_01b3);
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
}

/// Builds [`Fnv`] hashers: `HashMap<K, V, FnvBuildHasher>`.
pub(crate) type FnvBuildHasher = BuildHasherDefault<Fnv>;
