//! How much premix agrees to hold in memory for one project.
//!
//! Peak memory is about twice the project's (decompressed) size at most: the original bytes
//! plus what is read from them, or plus the rewritten ones when those are rendered in memory
//! (`--in-place`, `--dry-run`, a text diff). `apply --out` streams them into the file it
//! writes instead, and reads a REAPER project back from there a block at a time. A project
//! over the limit is refused with a message saying so, before it is read, so no input can
//! make premix exhaust memory. The limit applies to the file on disk and,
//! for compressed formats, to the decompressed text (a gzip bomb stops at the limit).

/// The default limit, in MiB. A Live set at the limit is held about three times at once
/// (its XML, the edited XML, and the XML decompressed again to verify the output), so peak
/// memory stays under 1 GB; real sets reach 50 MB of XML.
pub const DEFAULT_MAX_PROJECT_MIB: u64 = 256;

/// The largest `--max-size`, in MiB (1 TiB): more than any machine premix runs on can hold,
/// and far from where sizes in bytes would overflow.
pub const MOST_PROJECT_MIB: u64 = 1 << 20;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest project accepted, in bytes (file size, or decompressed size).
    pub max_project_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits::from_mib(DEFAULT_MAX_PROJECT_MIB)
    }
}

impl Limits {
    pub fn from_mib(mib: u64) -> Limits {
        Limits {
            max_project_bytes: mib.saturating_mul(1 << 20),
        }
    }

    /// The message for a project of `size` bytes over the limit.
    pub fn too_large(&self, size: u64, what: &str) -> String {
        format!(
            "{what} is {} MiB, over the limit of {} MiB (raise it with --max-size MIB)",
            size.div_ceil(1 << 20),
            self.max_project_bytes >> 20
        )
    }
}
