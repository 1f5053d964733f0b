//! The data and the bound every block measurement uses, shared by `lockstep bench blocks` and
//! the criterion bench (`models/benches/blocks.rs`), so both compare against the same bound.

use lockstep::block::Locator;
use std::time::{Duration, Instant};

/// Deterministic incompressible bytes (xorshift64*), so blocks do not deduplicate.
pub fn source(bytes: usize) -> Vec<u8> {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut out = Vec::with_capacity(bytes + 8);
    while out.len() < bytes {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        out.extend_from_slice(&state.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes());
    }
    out.truncate(bytes);
    out
}

/// The bound: copy `data` in `write_size` pieces into one block buffer, hash each full block.
pub fn bound(data: &[u8], write_size: usize, block_size: usize) -> Duration {
    let mut block = Vec::with_capacity(block_size);
    let mut hashed = 0u64;
    let start = Instant::now();
    for piece in data.chunks(write_size) {
        let mut piece = piece;
        while !piece.is_empty() {
            let n = piece.len().min(block_size - block.len());
            block.extend_from_slice(&piece[..n]);
            piece = &piece[n..];
            if block.len() == block_size {
                hashed += Locator::of(&block).size();
                block.clear();
            }
        }
    }
    if !block.is_empty() {
        hashed += Locator::of(&block).size();
    }
    let elapsed = start.elapsed();
    assert_eq!(hashed, data.len() as u64);
    elapsed
}
