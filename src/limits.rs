//! How much premix agrees to hold in memory: for one project, and for the projects of a run
//! read at once.
//!
//! A project's peak is a small multiple of its (decompressed) size: the original bytes, what
//! is read from them (the session, whose names the backend, the plan and its predictions
//! share; text the backend keeps borrows the bytes), and, while the output is verified, the
//! output read back (whose names are taken from the prediction, not copied). `apply` streams
//! the output into the file it writes, and the input goes before the output is read back;
//! `--dry-run` and a text diff render it in memory. A project over the limit
//! is refused with a message saying so, before it is read, so no input can make premix
//! exhaust memory. The limit applies to the file on disk and, for compressed formats, to the
//! decompressed text (a gzip bomb stops at the limit, or as soon as it inflates past the size
//! its gzip trailer records). The projects of a run are read at once only as far as
//! [`Limits::memory_budget`] goes, whatever the number of cores (`crate::batch::Budget`).

/// The default limit, in MiB. A Live set at the limit is held about twice at once (its XML
/// and what is read from it, or the session and the XML decompressed again to verify the
/// output; the edited XML streams into the compressor), so peak memory stays under 1 GB;
/// real sets reach 50 MB of XML.
pub const DEFAULT_MAX_PROJECT_MIB: u64 = 256;

/// The largest `--max-size`, in MiB (1 TiB): more than any machine premix runs on can hold,
/// and far from where sizes in bytes would overflow.
pub const MOST_PROJECT_MIB: u64 = 1 << 20;

/// A project's peak memory as a multiple of its (decompressed) size, at most: what the
/// memory budget counts per project.
pub const PEAK_FACTOR: u64 = 3;

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

    /// How much memory the projects being read at once may take together, in bytes: three
    /// times the largest project accepted, so that one project at the limit (which peaks at
    /// up to about three times its size) runs alone, and however many cores there are,
    /// projects together never hold more ([`crate::batch::Budget`]).
    pub fn memory_budget(&self) -> u64 {
        self.max_project_bytes.saturating_mul(PEAK_FACTOR)
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
