//! A reproducible set of demo archives: the same bytes on every machine and every run (fixed
//! seed, fixed headers), mixed sizes so that largest-first assignment matters, one member
//! duplicated across archives (stored once by the content-addressed store), and a directory
//! entry in each archive (not a member: extraction skips it).

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// The shape of a demo set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct DemoSpec {
    /// How many archives (`000000.tar`, `000001.tar`, ...).
    pub archives: usize,
    /// The largest member, in bytes (sizes are spread over 1/64 of it up to it).
    pub member_max: usize,
    /// The size of the member that appears in several archives.
    pub shared_size: usize,
    /// The generator's seed.
    pub seed: u64,
}

impl DemoSpec {
    /// The set `extract --demo` writes: 12 archives, 49 MB of members — work for 4
    /// workers on the largest-first assignment.
    pub fn standard() -> Self {
        DemoSpec {
            archives: 12,
            member_max: 6 << 20,
            shared_size: (3 << 20) + 12_345,
            seed: 17,
        }
    }

    /// A tiny set for simulated schedules: 4 archives of a few hundred bytes.
    pub fn tiny() -> Self {
        DemoSpec {
            archives: 4,
            member_max: 300,
            shared_size: 100,
            seed: 17,
        }
    }
}

/// SplitMix64: small, fast, and the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(len + 8);
        while out.len() < len {
            out.extend_from_slice(&self.next().to_le_bytes());
        }
        out.truncate(len);
        out
    }
}

/// Archive `k`'s members: `(path, content)`.
fn members(spec: &DemoSpec, k: usize, rng: &mut Rng, shared: &[u8]) -> Vec<(String, Vec<u8>)> {
    // Archive sizes differ by up to 16x: a few large members, or many small ones.
    let large = k.is_multiple_of(3);
    let count = 2 + rng.below(if large { 3 } else { 6 }) as usize;
    let mut members = Vec::with_capacity(count + 1);
    for m in 0..count {
        let max = if large {
            spec.member_max
        } else {
            spec.member_max / 8
        };
        let len = max / 64 + rng.below(max as u64) as usize;
        members.push((format!("data/{k:02}/file{m}.bin"), rng.bytes(len)));
    }
    if spec.archives > 2 && (k % (spec.archives / 2).max(1) == 1) {
        members.push(("common/shared.bin".to_owned(), shared.to_vec()));
    }
    members
}

fn header(path: &str, size: u64, kind: tar::EntryType) -> io::Result<tar::Header> {
    let mut header = tar::Header::new_ustar();
    header.set_path(path)?;
    header.set_size(size);
    header.set_entry_type(kind);
    header.set_mode(if kind.is_dir() { 0o755 } else { 0o644 });
    header.set_mtime(1_700_000_000);
    header.set_uid(0);
    header.set_gid(0);
    header.set_cksum();
    Ok(header)
}

/// The demo archives in memory: `(name, tar bytes)`, in archive order.
pub fn archives(spec: &DemoSpec) -> Vec<(String, Vec<u8>)> {
    let mut rng = Rng(spec.seed);
    let shared = rng.bytes(spec.shared_size);
    (0..spec.archives)
        .map(|k| {
            let mut tar = tar::Builder::new(Vec::new());
            let dir = header(&format!("data/{k:02}/"), 0, tar::EntryType::Directory)
                .expect("a short ASCII path fits a ustar header");
            tar.append(&dir, io::empty()).expect("writing to a Vec");
            for (path, content) in members(spec, k, &mut rng, &shared) {
                let file = header(&path, content.len() as u64, tar::EntryType::Regular)
                    .expect("a short ASCII path fits a ustar header");
                tar.append(&file, &content[..]).expect("writing to a Vec");
            }
            let bytes = tar.into_inner().expect("writing to a Vec");
            (format!("{k:06}.tar"), bytes)
        })
        .collect()
}

/// Write the demo archives into `dir` (created if needed), replacing files of the same names;
/// returns their paths.
pub fn write(dir: &Path, spec: &DemoSpec) -> io::Result<Vec<PathBuf>> {
    fs::create_dir_all(dir)?;
    archives(spec)
        .into_iter()
        .map(|(name, bytes)| {
            let path = dir.join(name);
            fs::write(&path, bytes)?;
            Ok(path)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reproducible_with_a_shared_member_and_mixed_sizes() {
        let spec = DemoSpec::tiny();
        let a = archives(&spec);
        assert_eq!(a, archives(&spec));
        assert_eq!(a.len(), 4);
        let sizes: Vec<usize> = a.iter().map(|(_, bytes)| bytes.len()).collect();
        assert!(sizes.iter().max() > sizes.iter().min(), "{sizes:?}");
        let standard = archives(&DemoSpec::standard());
        let total: usize = standard.iter().map(|(_, bytes)| bytes.len()).sum();
        assert!((40 << 20..100 << 20).contains(&total), "{total}");
    }
}
